#include "session/session.hpp"

#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "layout/resolve.hpp"
#include "layout/section_snapshot.hpp"
#include "layout/settle.hpp"
#include "mm/live_confirm.hpp"
#include "mm/sections.hpp"
#include "report/build.hpp"
#include "session/log_verdict.hpp"
#include "target/host_target.hpp"
#include "target/kdump_target.hpp"
#include "types/debuginfo.hpp"

namespace pfnscan {
namespace {

// The layout, with a vmlinux found in the debuginfo tree if the user gave none; a found one that
// belongs to another build is refused and the session goes on without it. `note` says which.
Result<ResolvedLayout> resolve_with_debuginfo(Target& target, const SessionOptions& options, std::string& note) {
  TypeSourceOptions types = options.types;
  if (types.vmlinux.empty() && !options.debuginfo_dir.empty()) {
    if (auto m = find_vmlinux(options.debuginfo_dir, target.vmcoreinfo())) {
      types.vmlinux = m->path;
      note = "vmlinux " + m->path + " found in " + options.debuginfo_dir + " by " + m->by;
    } else {
      note = "no vmlinux for this dump in " + options.debuginfo_dir + " (by build id or release): went on without one";
    }
  }
  auto resolved = resolve_layout(target, types);
  if (!resolved && options.types.vmlinux.empty() && !types.vmlinux.empty()) {
    // Found by release, it may be another build of that release.
    note += "; refused (" + std::move(resolved.error()).with_context("working out the kernel's layout").describe() +
            "): went on without one";
    types.vmlinux.clear();
    resolved = resolve_layout(target, types);
  }
  if (!resolved) return std::move(resolved.error()).with_context("working out the kernel's layout");
  return resolved;
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Errc::io, "cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<LogVerdict> judge_log(Target& target, const SessionOptions& options, const DumpFacts& dump) {
  if (!options.judge_log) return LogVerdict{};
  LogVerdict verdict = judge_dump_log(target, dump);
  if (options.dmesg_file.empty() || verdict.log_available) return verdict;
  auto text = read_text_file(options.dmesg_file);
  if (!text) return std::move(text.error());
  LogVerdict saved = judge_text_against_dump(*text, options.dmesg_file, dump);
  saved.notes = verdict.notes;
  saved.notes.push_back("the dump's own log could not be read: judged " + options.dmesg_file + " instead");
  return saved;
}

// --section N names a section the dump must have: an absent one is a mistake, not a clean result.
Status check_section_asked(const SectionTable& sections, const ScanOptions& scan) {
  if (!scan.only_section) return ok_status();
  std::string present;
  for (const auto& s : sections.sections) {
    if (s.nr == *scan.only_section) return ok_status();
    present += (present.empty() ? "" : ", ") + std::to_string(s.nr);
  }
  return Error(Errc::usage, fmt::format("section {} is not present in this dump (present: {})", *scan.only_section, present));
}

}  // namespace

Result<std::unique_ptr<Target>> open_dump(const std::string& path, const std::string& scratch_dir) {
  KdumpOpenOptions open_options;
  open_options.scratch_dir = scratch_dir;
  return open_kdump_target(path, open_options);
}

Result<std::unique_ptr<Target>> open_host(const pfnscan_host& host) { return open_host_target(host); }

Result<report::ScanReport> run_session(Target& target, const SessionOptions& options) {
  std::string debuginfo_note;
  auto resolved = resolve_with_debuginfo(target, options, debuginfo_note);
  if (!resolved) return std::move(resolved.error());
  auto snapshot = read_section_snapshot(target, resolved->layout);
  if (!snapshot) return std::move(snapshot.error()).with_context("reading the section table");
  SettledLayout settled = settle_layout(target, std::move(resolved->layout), *resolved->sources.symbols, *snapshot);
  const KernelLayout& layout = settled.layout;
  SectionTable sections = decode_sections(*snapshot, layout);
  if (auto st = check_section_asked(sections, options.scan); !st) return std::move(st.error());
  TargetDescription description = target.describe();
  MemoryScan scan = scan_sections(target, layout, sections, options.scan);
  if (description.live) confirm_live(target, layout, options.scan, sections, scan);
  auto verdict = judge_log(target, options, DumpFacts{layout, sections, scan});
  if (!verdict) return std::move(verdict.error());
  if (!debuginfo_note.empty()) description.notes.push_back(debuginfo_note);
  std::vector<std::string> notes = settled.notes;
  notes.insert(notes.end(), sections.notes.begin(), sections.notes.end());
  if (description.live) notes.push_back("live kernel: every section and finding is read twice and rescanned when it changed in between");
  notes.insert(notes.end(), scan.notes.begin(), scan.notes.end());
  return report::build_report({description, layout, sections, scan, *verdict, options.scan.full, std::move(notes)});
}

}  // namespace pfnscan
