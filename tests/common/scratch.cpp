#include "scratch.hpp"

#include <unistd.h>

#include <filesystem>
#include <gtest/gtest.h>
#include <iostream>
#include <mutex>

namespace fs = std::filesystem;

namespace testutil {
namespace {

std::mutex made_mutex;
std::string made_dir;  // the process's scratch directory, once made

class ScratchCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    std::lock_guard<std::mutex> lock(made_mutex);
    if (made_dir.empty()) return;
    if (::testing::UnitTest::GetInstance()->Passed()) {
      std::error_code ec;
      fs::remove_all(made_dir, ec);
    } else {
      std::cerr << "test files kept in " << made_dir << "\n";
    }
  }
};
[[maybe_unused]] ::testing::Environment* const cleanup = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

}  // namespace

std::string scratch_dir(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(made_mutex);
  if (made_dir.empty()) {
    const char* env = std::getenv("PFNSCAN_TEST_TMP");
    fs::path base = env && *env ? fs::path(env) : fs::temp_directory_path();
    fs::path dir = base / (prefix + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    made_dir = dir.string();
  }
  return made_dir;
}

}  // namespace testutil
