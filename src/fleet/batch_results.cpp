#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/batch.hpp"

namespace pfnscan {

Result<ResultsFile> read_results(const std::string& path) {
  ResultsFile out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;  // no file yet: nothing recorded
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
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("identity"))
      out.problems.push_back(fmt::format("{}:{}: not a pfnscan batch record", path, line_no));
    else
      out.records.push_back(std::move(j));
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

Status ResultsWriter::append(const nlohmann::json& record) {
  std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  ssize_t w = ::write(fd_, line.data(), line.size());
  if (w != static_cast<ssize_t>(line.size())) {
    // A short write leaves a partial line; the next open() cuts it.
    return Error(Errc::io, fmt::format("writing a record: {}", w < 0 ? std::strerror(errno) : "short write"));
  }
  return ok_status();
}

Result<std::vector<nlohmann::json>> merge_results(const std::vector<std::string>& paths) {
  std::vector<nlohmann::json> all;
  std::map<std::string, std::string> where;
  for (const auto& p : paths) {
    std::ifstream probe(p);
    if (!probe) return Error(Errc::io, "cannot open " + p);
    auto r = read_results(p);
    if (!r) return std::move(r.error());
    if (!r->problems.empty()) return Error(Errc::format, r->problems.front());
    for (auto& rec : r->records) {
      std::string id = rec.at("identity");
      if (auto [it, fresh] = where.emplace(id, p); !fresh)
        return Error(Errc::format, fmt::format("{} is recorded twice: in {} and in {}", rec.value("path", id), it->second, p));
      all.push_back(std::move(rec));
    }
  }
  std::sort(all.begin(), all.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a.value("path", "") < b.value("path", "");
  });
  return all;
}

namespace {
int attention_rank(const nlohmann::json& r) {
  std::string status = r.value("status", "");
  std::string verdict = r.value("verdict", "");
  if (verdict == "explained") return 0;
  if (verdict == "consistent") return 1;
  if (status == "timeout" || status == "limit") return 2;
  if (status == "error") return 3;
  if (r.value("partial", false)) return 4;
  return 9;
}
}  // namespace

nlohmann::json summarize(const std::vector<nlohmann::json>& records) {
  std::map<std::string, uint64_t> by_status, by_verdict, by_release;
  std::map<std::string, std::pair<uint64_t, uint64_t>> by_category;  // dumps, pfns
  uint64_t with_findings = 0;
  std::vector<const nlohmann::json*> attention;
  for (const auto& r : records) {
    ++by_status[r.value("status", "?")];
    if (r.value("status", "") == "ok") {
      ++by_verdict[r.value("verdict", "?")];
      ++by_release[r.value("kernel_release", "?")];
      if (r.contains("summary") && r.at("summary").value("ranges", 0) > 0) ++with_findings;
      if (r.contains("summary") && r.at("summary").contains("by_category"))
        for (const auto& [cat, v] : r.at("summary").at("by_category").items()) {
          ++by_category[cat].first;
          by_category[cat].second += v.value("pfns", uint64_t{0});
        }
    }
    if (attention_rank(r) < 9) attention.push_back(&r);
  }
  std::stable_sort(attention.begin(), attention.end(),
                   [](const nlohmann::json* a, const nlohmann::json* b) { return attention_rank(*a) < attention_rank(*b); });
  nlohmann::json cats = nlohmann::json::object();
  for (const auto& [c, v] : by_category) cats[c] = {{"dumps", v.first}, {"pfns", v.second}};
  nlohmann::json first = nlohmann::json::array();
  for (const auto* r : attention) {
    std::string why = r->value("verdict", "") == "explained"    ? "a panic explained by the findings"
                      : r->value("verdict", "") == "consistent" ? "a panic consistent with this bug"
                      : r->value("status", "") != "ok"          ? "status " + r->value("status", "") + ": " + r->value("error", "")
                                                                : "partial scan";
    first.push_back({{"path", r->value("path", "")}, {"why", why}});
  }
  return {{"dumps", records.size()}, {"with_findings", with_findings}, {"by_status", by_status}, {"by_verdict", by_verdict},
          {"by_category", cats}, {"by_release", by_release}, {"look_first", first}};
}

std::string render_summary_text(const nlohmann::json& s) {
  std::string out = fmt::format("{} dumps, {} with findings\n", s.at("dumps").get<uint64_t>(), s.at("with_findings").get<uint64_t>());
  auto table = [&](const char* title, const nlohmann::json& m) {
    if (m.empty()) return;
    out += std::string(title) + ":\n";
    for (const auto& [k, v] : m.items()) {
      if (v.is_object()) out += fmt::format("  {:<42} {:>7} dumps {:>12} pfns\n", k, v.at("dumps").get<uint64_t>(), v.at("pfns").get<uint64_t>());
      else out += fmt::format("  {:<42} {:>7}\n", k, v.get<uint64_t>());
    }
  };
  table("status", s.at("by_status"));
  table("verdict", s.at("by_verdict"));
  table("category", s.at("by_category"));
  table("kernel release", s.at("by_release"));
  if (!s.at("look_first").empty()) {
    out += "look at these first:\n";
    std::size_t n = 0;
    for (const auto& r : s.at("look_first")) {
      if (++n > 50) {
        out += fmt::format("  ... and {} more (pfnscan summary --json)\n", s.at("look_first").size() - 50);
        break;
      }
      out += fmt::format("  {}  ({})\n", r.at("path").get<std::string>(), r.at("why").get<std::string>());
    }
  }
  return out;
}

}  // namespace pfnscan
