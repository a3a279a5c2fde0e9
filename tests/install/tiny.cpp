// Built by tests/install against the installed libprobe, through pkg-config
// only: the public headers and libprobe.so are usable on their own.
#include <iostream>
#include <string>

#include "probe/finding.hpp"
#include "probe/probe.hpp"
#include "probe/render.hpp"

int main() {
  if (probe::catalog().empty() || probe::find_catalog_entry("NS-001") == nullptr) {
    std::cerr << "catalog: NS-001 missing\n";
    return 1;
  }
  probe::SyntheticSpec spec;
  spec.user = "0";
  auto s = probe::make_synthetic_subject(spec);
  if (!s) {
    std::cerr << s.error().message() << "\n";
    return 1;
  }
  auto r = probe::probe_access(*s, {{"/"}}, {}, nullptr);
  if (!r) {
    std::cerr << r.error().message() << "\n";
    return 1;
  }
  std::string json = probe::render_json(*r);
  if (json.find("\"cfgprobe/1\"") == std::string::npos || probe::exit_status(*r) != 0) {
    std::cerr << "unexpected report:\n" << json;
    return 1;
  }
  std::cout << "tiny: " << probe::catalog().size() << " catalog entries, / readable by uid 0\n";
  return 0;
}
