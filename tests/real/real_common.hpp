// What every real-dump test shares: where the dumps are, which kernel made each, and what each
// dump must show (expectations.json).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

namespace real {

std::string dumps_dir();                          // PFNSCAN_REAL_DUMPS, else out/real-dumps
const nlohmann::json& manifest();                 // made by scripts/real-dumps: kernel of each series
std::string vmlinux_for(const std::string& series);

struct Range {
  uint64_t start, end, section;
  std::string category;
};

struct Expectation {
  std::string series;  // "6.1", "5.10"
  std::string file;    // without extension
  std::vector<Range> ranges;
  std::map<uint64_t, std::string> maps;  // section -> subsection_map
  bool raw = false;                      // no ZONE_DEVICE or poisoned page may be returned
  bool panic = false;                    // the log holds the sysrq panic
  int exit_code = 0;                     // of a scan that reads the dump whole
};

const std::vector<Expectation>& expectations();   // tests/real/expectations.json

// The source of a fact in a report's provenance, by its typed id ("" when absent).
std::string fact_source(const nlohmann::json& report, const std::string& id);

// Every dump in every format the real-dump stage makes.
class RealDump : public ::testing::TestWithParam<std::tuple<Expectation, std::string>> {};

}  // namespace real
