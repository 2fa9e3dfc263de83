// The C ABI the crash and drgn front ends use, driven by a host whose callbacks read a synthetic
// dump through the libkdumpfile target: the report equals run_session()'s, errors come back as
// text, and nothing leaks (this test also runs under ASan+UBSan, which the plugins cannot).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "machine.hpp"
#include "pfnscan/capi.h"
#include "target/kdump_target.hpp"
#include "report/report.hpp"
#include "report/model_json.hpp"
#include "session/session.hpp"
#include "scenario.hpp"
#include "scratch.hpp"
#include "writers.hpp"

using namespace pfnscan;

namespace {

struct Host {
  Target* target;
  int reads = 0;
};

int read_cb(void* ctx, int space, uint64_t address, void* buf, size_t length) {
  auto* h = static_cast<Host*>(ctx);
  ++h->reads;
  auto st = h->target->read(space == PFNSCAN_PHYSADDR ? AddressSpace::physical : AddressSpace::kernel_virtual, address,
                            std::span(static_cast<std::byte*>(buf), length));
  return st ? 0 : 1;
}

int symbol_cb(void* ctx, const char* name, uint64_t* address) {
  auto v = static_cast<Host*>(ctx)->target->vmcoreinfo().symbol(name);
  if (!v) return 1;
  *address = *v;
  return 0;
}

std::string dump_of(const std::string& scenario_file) {
  dumpgen::Scenario s = dumpgen::load_scenario(std::string(PFNSCAN_SCENARIO_DIR) + "/" + scenario_file);
  dumpgen::MemoryImage image = dumpgen::build_machine(s, {});
  std::string path = testutil::scratch_dir("pfnscan-unit") + "/capi-" + s.name + ".elf";
  dumpgen::write_elf(image, path, {});
  return path;
}

std::string vmcoreinfo_text(const VmcoreInfo& vi) {
  std::string out;
  for (const auto& [k, v] : vi.entries()) out += k + "=" + v + "\n";
  return out;
}

}  // namespace

TEST(CApi, HostCallbacksGiveTheCliReport) {
  std::string path = dump_of("oops-explained-5.10.json");
  auto target = open_kdump_target(path);
  ASSERT_TRUE(target) << target.error().describe();
  Host h{target->get()};
  std::string vi = vmcoreinfo_text((*target)->vmcoreinfo());
  pfnscan_host host{&h, "test", path.c_str(), 0, read_cb, symbol_cb, nullptr, nullptr, nullptr, vi.c_str()};
  pfnscan_options options{0, 0, 1, -1, 0, 0, 1, nullptr, nullptr};
  char *json_out = nullptr, *text_out = nullptr, *err = nullptr;
  int code = pfnscan_run(&host, &options, &json_out, &text_out, &err);
  ASSERT_EQ(err, nullptr) << err;
  ASSERT_NE(json_out, nullptr);
  ASSERT_NE(text_out, nullptr);
  EXPECT_GT(h.reads, 10);
  auto got = nlohmann::json::parse(json_out);
  auto direct = run_session(**target, SessionOptions{});
  ASSERT_TRUE(direct);
  auto want = report::to_json(*direct);
  EXPECT_EQ(got.at("findings"), want.at("findings"));
  EXPECT_EQ(got.at("sections"), want.at("sections"));
  EXPECT_EQ(got.at("verdict").at("overall"), "explained");
  EXPECT_EQ(got.at("input").at("kind"), "test");
  EXPECT_EQ(code, exit_code_for(*direct));
  EXPECT_EQ(code, 5);
  EXPECT_NE(std::string(text_out).find("PFNSCAN: 1 range(s)"), std::string::npos) << text_out;
  pfnscan_free(json_out);
  pfnscan_free(text_out);
  std::filesystem::remove(path);
}

TEST(CApi, ErrorsComeBackAsText) {
  std::string path = dump_of("collision-mapped-5.10.json");
  auto target = open_kdump_target(path);
  ASSERT_TRUE(target);
  Host h{target->get()};
  // No VMCOREINFO given and no vmcoreinfo_data symbol: the host cannot be scanned.
  pfnscan_host host{&h, "test", "", 0, read_cb, [](void*, const char*, uint64_t*) { return 1; }, nullptr, nullptr, nullptr, nullptr};
  pfnscan_options options{0, 0, 0, -1, 0, 0, 1, nullptr, nullptr};
  char *json_out = nullptr, *text_out = nullptr, *err = nullptr;
  EXPECT_EQ(pfnscan_run(&host, &options, &json_out, &text_out, &err), 2);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(err).find("vmcoreinfo_data"), std::string::npos) << err;
  EXPECT_EQ(json_out, nullptr);
  pfnscan_free(err);
  // A read callback that always fails: an error naming the address, not a crash.
  std::string vi = vmcoreinfo_text((*target)->vmcoreinfo());
  pfnscan_host broken{&h, "test", "", 0, [](void*, int, uint64_t, void*, size_t) { return 1; }, symbol_cb, nullptr, nullptr, nullptr,
                      vi.c_str()};
  err = nullptr;
  int code = pfnscan_run(&broken, &options, &json_out, &text_out, &err);
  EXPECT_EQ(code, 2);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(err).find("cannot read"), std::string::npos) << err;
  pfnscan_free(err);
  EXPECT_EQ(pfnscan_run(nullptr, &options, &json_out, &text_out, &err), 3);
  pfnscan_free(err);
  std::filesystem::remove(path);
}
