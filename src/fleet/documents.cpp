#include "fleet/documents.hpp"

#include <fstream>
#include <sstream>

#include "fleet/results_file.hpp"
#include "fleet/summary.hpp"
#include "report/html.hpp"
#include "report/markdown.hpp"
#include "report/model_json.hpp"
#include "report/redact.hpp"

namespace pfnscan {
namespace {

Status take_record(ReportInput& in, BatchRecord record) {
  if (!record.result.is_null()) {
    auto scan = record.report();
    if (!scan) return std::move(scan.error());
    in.scan = std::move(*scan);
  }
  in.record = std::move(record);
  return ok_status();
}

// One JSON document: a scan report or a batch record.
Result<ReportInput> load_document(const nlohmann::json& whole, const std::string& path) {
  ReportInput in;
  if (whole.contains("findings") && whole.contains("sections")) {
    auto scan = report::scan_report_from_json(whole, path);
    if (!scan) return std::move(scan.error());
    in.scan = std::move(*scan);
    return in;
  }
  if (!whole.contains("identity")) return Error(Errc::format, path + " is neither a pfnscan scan report nor a batch record");
  auto record = batch_record_from_json(whole, path);
  if (!record) return std::move(record.error());
  if (auto st = take_record(in, std::move(*record)); !st) return std::move(st.error());
  return in;
}

}  // namespace

Result<ReportInput> load_report_input(const std::string& path, const std::string& select) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error(Errc::io, "cannot open " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  auto whole = report::parse_json(text, path);
  if (whole && whole->is_object()) return load_document(*whole, path);
  auto results = read_results(path);
  if (!results || results->records.empty())
    return Error(Errc::format, path + " is not pfnscan JSON (a scan report, a batch record or a batch results file)");
  ReportInput in;
  if (select.empty()) {
    in.batch = std::move(results->records);
    return in;
  }
  for (auto& r : results->records)
    if (r.path == select || r.path.ends_with("/" + select)) {
      if (auto st = take_record(in, std::move(r)); !st) return std::move(st.error());
      return in;
    }
  return Error(Errc::usage, select + " is not in " + path);
}

void redact(ReportInput& in, const std::string& host) {
  if (in.scan) report::redact(*in.scan, host);
  auto redact_record = [&](BatchRecord& r) {
    r.path = report::redact_path(r.path);
    if (!r.dmesg.empty()) r.dmesg = report::redact_path(r.dmesg);
    r.identity = "<redacted>";
    r.error = report::redact_host_text(std::move(r.error), host);
    r.result = nullptr;  // the redacted report is in.scan
  };
  if (in.record) redact_record(*in.record);
  for (auto& r : in.batch) redact_record(r);
}

std::string render_markdown(const ReportInput& in) {
  if (in.scan) return report::render_markdown(*in.scan, in.record ? in.record->path : in.scan->input.path);
  return render_summary_markdown(summarize(in.batch));
}

std::string render_html(const ReportInput& in) { return report::render_html(render_markdown(in), in.scan ? &*in.scan : nullptr); }

}  // namespace pfnscan
