// Reading a saved report back into the model. Every field is checked (json_io.hpp): a file a user
// hands pfnscan is untrusted input.
#include <fmt/format.h>

#include "report/model_json.hpp"
#include "report/report.hpp"

namespace pfnscan::report {
namespace {

std::optional<std::vector<uint64_t>> read_subsection_map(const In& s) {
  auto map = s.maybe("subsection_map");
  if (!map) return std::nullopt;
  std::string text = map->str();
  if (text.size() < 3 || text.compare(0, 2, "0x") != 0 || text.size() > 2 + 16 * 64) map->fail("is not a hex bitmap");
  std::vector<uint64_t> words;
  for (std::size_t end = text.size(); end > 2;) {
    std::size_t begin = end >= 2 + 16 ? end - 16 : 2;
    auto word = parse_u64(text.substr(begin, end - begin), 16);
    if (!word) map->fail("is not a hex bitmap");
    words.push_back(*word);
    end = begin;
  }
  return words;
}

SectionRow read_section(const In& s) {
  SectionRow r;
  r.nr = s.at("nr").u64();
  r.start_pfn = s.at("start_pfn").u64();
  r.end_pfn = s.at("end_pfn").u64();
  if (r.end_pfn < r.start_pfn) s.fail("ends before it starts");
  r.flags = s.at("flags").strings();
  r.raw_flags = s.at("raw_flags").hex();
  r.subsection_map = read_subsection_map(s);
  r.usage = s.at("usage").hex();
  r.memmap = s.at("memmap").hex();
  In check = s.at("memmap_check");
  auto c = memmap_check_from_name(check.str());
  if (!c) check.fail("is not a memmap check");
  r.memmap_check = *c;
  if (auto d = s.maybe("memmap_detail")) r.memmap_detail = d->str();
  if (auto u = s.maybe("usage_problem")) r.usage_problem = u->str();
  return r;
}

FindingRow read_finding(const In& f) {
  FindingRow r;
  r.start_pfn = f.at("start_pfn").u64();
  r.end_pfn = f.at("end_pfn").u64();
  if (r.end_pfn < r.start_pfn) f.fail("ends before it starts");
  r.section = f.at("section").u64();
  In cat = f.at("category");
  auto category = category_from_name(cat.str());
  if (!category) cat.fail("is not a category this pfnscan knows");
  r.category = *category;
  r.page_kind = f.at("page_kind").str();
  r.old_returns_page = f.at("old_returns").str() == "page";
  r.fixed_returns_page = f.at("fixed_returns").str() == "page";
  In e = f.at("evidence");
  Evidence& ev = r.evidence;
  ev.section = e.at("section").u64();
  ev.section_flags = e.at("section_flags").strings();
  ev.section_raw_flags = e.at("section_raw_flags").hex();
  ev.subsection_first = static_cast<unsigned>(e.at("subsection_first").u64() & 0xffff);
  ev.subsection_last = static_cast<unsigned>(e.at("subsection_last").u64() & 0xffff);
  ev.subsection_bit = e.at("subsection_bit").u64() != 0;
  ev.struct_page = e.at("struct_page").hex();
  if (auto pf = e.maybe("page_flags")) {
    ev.page_flags = pf->hex();
    ev.zone = e.at("zone").integer();
    ev.zone_name = e.at("zone_name").str();
    ev.node = e.at("node").integer();
  }
  if (auto pg = e.maybe("pgmap")) ev.pgmap = pg->hex();
  return r;
}

Problem read_problem(const In& p) {
  In kind = p.at("kind");
  auto k = problem_kind_from_name(kind.str());
  if (!k) kind.fail("is not a problem kind this pfnscan knows");
  Problem out{*k, p.at("message").str(), {}, {}, {}, {}};
  if (auto v = p.maybe("section")) out.section = v->u64();
  if (auto v = p.maybe("start_pfn")) out.start_pfn = v->u64();
  if (auto v = p.maybe("end_pfn")) out.end_pfn = v->u64();
  if (auto v = p.maybe("address")) out.address = v->hex().value;
  return out;
}

std::vector<Problem> read_problems(const In& r) {
  std::vector<Problem> out;
  if (auto problems = r.maybe("problems")) {
    for (const In& p : problems->items()) out.push_back(read_problem(p));
    return out;
  }
  // Reports written before problems were typed carry the sentences only.
  for (std::string& message : r.at("errors").strings()) out.push_back({ProblemKind::damaged_input, std::move(message), {}, {}, {}, {}});
  return out;
}

FactRecord read_fact(const In& p) {
  std::optional<FactId> id;
  if (auto key = p.maybe("id")) id = fact_from_key(key->str());
  if (!id) {
    const std::string name = p.at("fact").str();
    for (int i = 0; !id && i <= static_cast<int>(FactId::direct_map_base); ++i)
      if (name == fact_name(static_cast<FactId>(i))) id = static_cast<FactId>(i);
  }
  if (!id) p.fail("names a fact this pfnscan does not know");
  In src = p.at("source");
  auto source = source_from_name(src.str());
  if (!source) src.fail("is not a provenance source");
  return FactRecord{*id, p.at("value").str(), *source, p.at("detail").str(), p.at("certain").boolean()};
}

LayoutInfo read_layout(const In& l) {
  LayoutInfo L;
  L.section_size_bits = static_cast<unsigned>(l.at("section_size_bits").u64() & 0xff);
  L.max_physmem_bits = static_cast<unsigned>(l.at("max_physmem_bits").u64() & 0xff);
  L.sparsemem_extreme = l.at("sparsemem_extreme").boolean();
  L.mem_section_size = l.at("mem_section_size").u64();
  if (auto o = l.maybe("subsection_map_offset")) L.subsection_map_offset = o->u64();
  L.section_map_last_bit = l.at("section_map_last_bit").integer();
  L.zone_device = l.at("zone_device").integer();
  L.max_nr_zones = l.at("max_nr_zones").integer();
  L.zones_pgshift = static_cast<unsigned>(l.at("zones_pgshift").u64() & 0xff);
  L.nodes_width = static_cast<unsigned>(l.at("nodes_width").u64() & 0xff);
  if (auto v = l.maybe("vmemmap_base")) L.vmemmap_base = v->hex();
  return L;
}

Stats read_stats(const In& s) {
  return Stats{s.at("sections_present").u64(),  s.at("sections_online").u64(),   s.at("sections_examined").u64(),
               s.at("subsections_sampled").u64(), s.at("subsections_read").u64(), s.at("struct_pages_read").u64(),
               s.at("memmap_bytes_read").u64(),  s.at("seconds").number()};
}

}  // namespace

LogVerdict read_verdict(const In& v) {
  auto verdict = verdict_from_json(v.json());
  if (!verdict) v.fail("is not a verdict: " + verdict.error().describe());
  return std::move(*verdict);
}

ScanReport read_scan_report(const In& r) {
  ScanReport out;
  out.schema_version = r.at("schema_version").integer();
  if (out.schema_version != kSchemaVersion) r.fail(fmt::format("has schema {}; this pfnscan reads schema {}", out.schema_version, kSchemaVersion));
  out.tool_version = r.at("tool").at("version").str();
  In in = r.at("input");
  out.input = {in.at("kind").str(), in.at("path").str(), in.at("format").str(), in.at("notes").strings()};
  In k = r.at("kernel");
  out.kernel = {k.at("release").str(), k.at("version").str(), k.at("arch").str(), k.at("has_fixed_pfn_to_online_page").boolean(),
                k.at("fixed_function_evidence").str(), k.at("can_hit_bug").boolean()};
  out.full = r.at("mode").str() == "full";
  out.problems = read_problems(r);
  out.notes = r.at("notes").strings();
  for (const In& s : r.at("sections").items()) out.sections.push_back(read_section(s));
  for (const In& f : r.at("findings").items()) out.findings.push_back(read_finding(f));
  for (const In& f : r.at("observations").items()) out.observations.push_back(read_finding(f));
  for (const In& p : r.at("provenance").items()) out.provenance.push_back(read_fact(p));
  out.uncertainties = r.at("uncertainties").strings();
  if (auto v = r.maybe("verdict")) out.verdict = read_verdict(*v);
  if (auto d = r.maybe("direct_map_base")) out.direct_map_base = d->hex();
  out.layout = read_layout(r.at("layout"));
  out.stats = read_stats(r.at("stats"));
  return out;
}

Result<ScanReport> scan_report_from_json(const nlohmann::json& j, const std::string& what) {
  return read<ScanReport>(j, what, [](const In& in) { return read_scan_report(in); });
}

}  // namespace pfnscan::report
