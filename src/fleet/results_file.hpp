// The results file of a batch: one JSON record per line. A last line without its newline (a run
// killed mid-write) is not a record; opening for append cuts it off.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "fleet/record.hpp"

namespace pfnscan {

struct ResultsFile {
  std::vector<BatchRecord> records;
  std::vector<std::string> problems;   // lines that are not records (named by line number and why)
  bool had_partial_tail = false;
};
// A file that does not exist holds no record; one that cannot be read is an error.
Result<ResultsFile> read_results(const std::string& path);

class ResultsWriter {
 public:
  static Result<ResultsWriter> open(const std::string& path);  // creates, or cuts a partial tail
  ResultsWriter(ResultsWriter&&) noexcept;
  ResultsWriter& operator=(ResultsWriter&&) = delete;
  ~ResultsWriter();
  // One write(2) of the whole line with O_APPEND: after a kill the record is there or it is not
  // (a power cut can leave a partial last line, which open() cuts).
  Status append(const BatchRecord& record);

 private:
  explicit ResultsWriter(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Combines shard outputs, sorted by path; fails naming the first identity recorded twice.
Result<std::vector<BatchRecord>> merge_results(const std::vector<std::string>& paths);

}  // namespace pfnscan
