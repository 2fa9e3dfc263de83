#include "fleet/record.hpp"

#include <array>

#include "report/model_json.hpp"

namespace pfnscan {

using nlohmann::json;
using report::In;

namespace {

constexpr std::array kStatuses = {BatchStatus::ok, BatchStatus::error, BatchStatus::timeout, BatchStatus::limit};

BatchStatus read_status(const In& s) {
  const std::string name = s.str();
  for (BatchStatus x : kStatuses)
    if (name == batch_status_name(x)) return x;
  s.fail("is not a batch status");
}

Verdict read_verdict_name(const In& v) {
  const std::string name = v.str();
  for (Verdict x : {Verdict::explained, Verdict::consistent, Verdict::unrelated, Verdict::no_panic})
    if (name == verdict_name(x)) return x;
  v.fail("is not a verdict");
}

RecordRange read_range(const In& f) {
  In c = f.at("category");
  auto category = category_from_name(c.str());
  if (!category) c.fail("is not a category this pfnscan knows");
  return {f.at("start_pfn").u64(), f.at("end_pfn").u64(), f.at("section").u64(), *category};
}

RecordSummary read_summary(const In& s) {
  RecordSummary out{s.at("ranges").u64(), s.at("pfns").u64(), "none", {}};
  if (auto risk = s.maybe("risk")) out.risk = risk->str();
  else if (out.ranges) out.risk = "at_risk";  // records written before latent findings had their bucket
  for (const auto& [name, c] : s.at("by_category").members()) out.by_category[name] = {c.at("ranges").u64(), c.at("pfns").u64()};
  return out;
}

BatchRecord read_record(const In& r) {
  BatchRecord out;
  out.identity = r.at("identity").str();
  out.path = r.at("path").str();
  out.size = r.at("size").u64();
  out.digest = r.at("digest").str();
  out.format = r.at("format").str();
  if (auto d = r.maybe("dmesg")) out.dmesg = d->str();
  out.status = read_status(r.at("status"));
  if (auto c = r.maybe("exit_code")) out.exit_code = c->integer();
  out.seconds = r.at("seconds").number();
  out.max_rss_kib = r.at("max_rss_kib").i64();
  if (auto e = r.maybe("error")) out.error = e->str();
  if (out.status != BatchStatus::ok) return out;
  out.kernel_release = r.at("kernel_release").str();
  out.summary = read_summary(r.at("summary"));
  for (const In& f : r.at("findings").items()) out.findings.push_back(read_range(f));
  out.verdict = read_verdict_name(r.at("verdict"));
  out.partial = r.at("partial").boolean();
  out.result = r.at("result").json();
  return out;
}

}  // namespace

const char* batch_status_name(BatchStatus s) {
  switch (s) {
    case BatchStatus::ok: return "ok";
    case BatchStatus::error: return "error";
    case BatchStatus::timeout: return "timeout";
    case BatchStatus::limit: return "limit";
  }
  return "?";
}

Result<report::ScanReport> BatchRecord::report() const {
  if (result.is_null()) return Error(Errc::missing, path + " has no report (status " + batch_status_name(status) + ")");
  return report::scan_report_from_json(result, path + ": result");
}

void summarize_into(BatchRecord& record, const report::ScanReport& r) {
  record.kernel_release = r.kernel.release;
  record.summary = {r.findings.size(), r.total_pfns(), r.risk(), {}};
  for (const auto& c : r.by_category()) record.summary.by_category[category_name(c.category)] = {c.ranges, c.pfns};
  record.findings.clear();
  for (const auto& f : r.findings) record.findings.push_back({f.start_pfn, f.end_pfn, f.section, f.category});
  record.verdict = r.verdict.overall;
  record.partial = r.partial();
}

json to_json(const BatchRecord& r) {
  json j = {{"record_version", 1}, {"identity", r.identity}, {"path", r.path},     {"size", r.size},
            {"digest", r.digest},  {"format", r.format},     {"seconds", r.seconds}, {"max_rss_kib", r.max_rss_kib},
            {"status", batch_status_name(r.status)}};
  if (!r.dmesg.empty()) j["dmesg"] = r.dmesg;
  if (r.exit_code) j["exit_code"] = *r.exit_code;
  if (!r.error.empty()) j["error"] = r.error;
  if (r.status != BatchStatus::ok) return j;
  json cats = json::object();
  for (const auto& [name, n] : r.summary.by_category) cats[name] = {{"ranges", n.first}, {"pfns", n.second}};
  j["kernel_release"] = r.kernel_release;
  j["summary"] = {{"ranges", r.summary.ranges}, {"pfns", r.summary.pfns}, {"by_category", cats}, {"risk", r.summary.risk}};
  json ranges = json::array();
  for (const auto& f : r.findings)
    ranges.push_back({{"start_pfn", f.start_pfn}, {"end_pfn", f.end_pfn}, {"section", f.section}, {"category", category_name(f.category)}});
  j["findings"] = std::move(ranges);
  j["verdict"] = verdict_name(r.verdict);
  j["partial"] = r.partial;
  j["result"] = r.result;
  return j;
}

Result<BatchRecord> batch_record_from_json(const json& j, const std::string& what) {
  return report::read<BatchRecord>(j, what, [](const In& in) { return read_record(in); });
}

}  // namespace pfnscan
