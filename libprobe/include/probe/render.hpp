// The only code that formats a Report for people or programs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "probe/finding.hpp"
#include "probe/report.hpp"

namespace probe {

struct RenderOptions {
  bool color = false;
};

std::string render_text(const Report& r, const RenderOptions& opt);
// The same in pieces, for streaming many targets: the subject block, one
// block per target (a clean allowed target is one line when compact), the
// closing count.
std::string render_text_subject(const Subject& s, const Names& n, const ProcessProbes& p,
                                const std::vector<std::string>& notes, const std::vector<Finding>& subject_findings,
                                const RenderOptions& opt);
std::string render_text_target(const Subject& s, const Names& n, const Target& t,
                               const std::vector<Finding>& findings, const RenderOptions& opt, bool compact);
std::string render_text_summary(size_t not_readable, size_t total);
// JSON schema "cfgprobe/1" (shared/DESIGN.md).
std::string render_json(const Report& r);
// `cfgprobe explain ID`.
std::string render_catalog_entry(const CatalogEntry& e);

// Makes a name from the system safe for a terminal: control characters,
// backslashes and invalid UTF-8 become \xNN / \\ escapes.
std::string escape_for_terminal(std::string_view s);

}  // namespace probe
