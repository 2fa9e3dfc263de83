#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/results_file.hpp"
#include "report/json_io.hpp"

namespace pfnscan {

Result<ResultsFile> read_results(const std::string& path) {
  ResultsFile out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;  // no file yet: nothing recorded
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Errc::io, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::size_t start = 0, line_no = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    ++line_no;
    if (nl == std::string::npos) {  // killed mid-write: not a record
      out.had_partial_tail = true;
      break;
    }
    std::string_view line(text.data() + start, nl - start);
    start = nl + 1;
    if (line.empty()) continue;
    const std::string where = fmt::format("{}:{}", path, line_no);
    auto j = report::parse_json(line, where);
    if (!j || !j->is_object() || !j->contains("identity")) {
      out.problems.push_back(where + ": not a pfnscan batch record");
      continue;
    }
    auto record = batch_record_from_json(*j, where);
    if (!record) out.problems.push_back(where + ": not a pfnscan batch record: " + record.error().describe());
    else out.records.push_back(std::move(*record));
  }
  return out;
}

Result<ResultsWriter> ResultsWriter::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Error(Errc::io, fmt::format("cannot open {} for appending: {}", path, std::strerror(errno)));
  // Cut a partial last line (a run killed in the middle of a write) so the next record starts a line.
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t keep = text.rfind('\n');
    keep = keep == std::string::npos ? 0 : keep + 1;
    if (keep != text.size() && ::ftruncate(fd, static_cast<off_t>(keep)) != 0) {
      ::close(fd);
      return Error(Errc::io, fmt::format("cannot cut the partial last line of {}: {}", path, std::strerror(errno)));
    }
  }
  return ResultsWriter(fd);
}

ResultsWriter::ResultsWriter(ResultsWriter&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
ResultsWriter::~ResultsWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status ResultsWriter::append(const BatchRecord& record) {
  std::string line = report::dump_json(to_json(record)) + "\n";
  ssize_t w = ::write(fd_, line.data(), line.size());
  if (w != static_cast<ssize_t>(line.size())) {
    // A short write leaves a partial line; the next open() cuts it.
    return Error(Errc::io, fmt::format("writing a record: {}", w < 0 ? std::strerror(errno) : "short write"));
  }
  return ok_status();
}

Result<std::vector<BatchRecord>> merge_results(const std::vector<std::string>& paths) {
  std::vector<BatchRecord> all;
  std::map<std::string, std::string> where;
  for (const auto& p : paths) {
    std::ifstream probe(p);
    if (!probe) return Error(Errc::io, "cannot open " + p);
    auto r = read_results(p);
    if (!r) return std::move(r.error());
    if (!r->problems.empty()) return Error(Errc::format, r->problems.front());
    for (auto& rec : r->records) {
      if (auto [it, fresh] = where.emplace(rec.identity, p); !fresh)
        return Error(Errc::format, fmt::format("{} is recorded twice: in {} and in {}", rec.path, it->second, p));
      all.push_back(std::move(rec));
    }
  }
  std::sort(all.begin(), all.end(), [](const BatchRecord& a, const BatchRecord& b) { return a.path < b.path; });
  return all;
}

}  // namespace pfnscan
