// Shared wiring for the subcommands: output options, error reporting.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "probe/report.hpp"
#include "probe/result.hpp"

namespace cfgprobe {

// Exit status table (shared/DESIGN.md).
inline constexpr int kExitOk = 0, kExitDenied = 1, kExitUsage = 2, kExitSubject = 3;

struct OutputOptions {
  std::string format = "text";
};
void add_output_options(CLI::App& app, OutputOptions& out);

// Prints the report to stdout, returns the exit status.
int emit_report(const probe::Report& r, const OutputOptions& out);

// "cfgprobe: error: MSG" then "hint: HINT" on stderr; returns code.
int fail(int code, const std::string& msg, const std::string& hint = "");
// An error from gathering the subject: exit 3 with what to run instead.
int subject_error(const probe::Error& e, const std::string& rerun);

void register_inspect(CLI::App& app, int& rc);
void register_check(CLI::App& app, int& rc);
void register_explain(CLI::App& app, int& rc);

}  // namespace cfgprobe
