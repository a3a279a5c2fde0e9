// The only code that formats a Report for people or programs.
#pragma once

#include <string>
#include <string_view>

#include "probe/finding.hpp"
#include "probe/report.hpp"

namespace probe {

struct RenderOptions {
  bool color = false;
};

std::string render_text(const Report& r, const RenderOptions& opt);
// JSON schema "cfgprobe/1" (shared/DESIGN.md).
std::string render_json(const Report& r);
// `cfgprobe explain ID`.
std::string render_catalog_entry(const CatalogEntry& e);

// Makes a name from the system safe for a terminal: control characters,
// backslashes and invalid UTF-8 become \xNN / \\ escapes.
std::string escape_for_terminal(std::string_view s);

}  // namespace probe
