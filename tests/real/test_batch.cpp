// `pfnscan batch` over the real dumps.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <sstream>

#include "harness.hpp"
#include "real_common.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace real;

namespace {

// pfnscan batch over the real dumps with --debuginfo pointing at the unpacked -dbg packages: each
// dump's worker finds its own kernel's vmlinux (by release: the packages carry no .build-id tree
// here) and reports the same findings as a scan with that vmlinux.
TEST(RealDumpBatch, DebuginfoFindsEachDumpsVmlinux) {
  std::string out = e2e::work_dir() + "/real-batch.jsonl";
  fs::remove(out);
  // the deepest directory holding both kernels' vmlinux files
  fs::path root = fs::path(vmlinux_for("6.1")).parent_path();
  while (fs::path(vmlinux_for("5.10")).string().rfind(root.string() + "/", 0) != 0 && root.has_parent_path() && root != root.root_path())
    root = root.parent_path();
  auto b = e2e::run({PFNSCAN_BIN, "batch", dumps_dir() + "/*.mdf31", "-o", out, "-j", "2", "-q", "--debuginfo", root.string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  std::ifstream in(out);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    json r = json::parse(line);
    ++n;
    ASSERT_EQ(r.at("status"), "ok") << line.substr(0, 400);
    EXPECT_EQ(fact_source(r.at("result"), "type_information"), "dwarf") << r.at("path");
    std::string series = r.at("kernel_release").get<std::string>().rfind("6.1", 0) == 0 ? "6.1" : "5.10";
    auto cli = e2e::scan(r.at("path"), {"--vmlinux", vmlinux_for(series)});
    EXPECT_EQ(r.at("result").at("findings"), cli.json.at("findings")) << r.at("path");
  }
  EXPECT_EQ(n, expectations().size());
}

}  // namespace
