// Shared wiring for the subcommands: output options, error reporting.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "probe/probe.hpp"
#include "probe/report.hpp"
#include "probe/result.hpp"

namespace cfgprobe {

// Exit status table (shared/DESIGN.md).
inline constexpr int kExitOk = 0, kExitDenied = 1, kExitUsage = 2, kExitSubject = 3;
// 4: decryption failed, nothing released; 5: --wait ran out.
inline constexpr int kExitDecrypt = 4, kExitWaitTimeout = 5;

struct OutputOptions {
  std::string format = "text";
};
void add_output_options(CLI::App& app, OutputOptions& out);

// Probes the targets and prints the report (text is streamed target by
// target, so memory stays flat for many paths); returns the exit status.
int run_targets(const probe::Subject& s, const probe::LiveSubject* live,
                const std::vector<probe::TargetRequest>& targets, const probe::ProbeOptions& opt,
                const OutputOptions& out, const std::vector<std::string>& notes, const std::string& rerun);

// "cfgprobe: error: MSG" then "hint: HINT" on stderr; returns code.
int fail(int code, const std::string& msg, const std::string& hint = "");
// An error from gathering the subject: exit 3 with what to run instead.
int subject_error(const probe::Error& e, const std::string& rerun);

void register_inspect(CLI::App& app, int& rc);
void register_check(CLI::App& app, int& rc);
void register_explain(CLI::App& app, int& rc);
void register_decrypt(CLI::App& app, int& rc);
void register_preflight(CLI::App& app, int& rc, const std::vector<std::string>& command);

}  // namespace cfgprobe
