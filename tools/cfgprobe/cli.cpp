#include "cli.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "probe/render.hpp"

namespace cfgprobe {

void add_output_options(CLI::App& app, OutputOptions& out) {
  app.add_option("--format", out.format, "text or json")->check(CLI::IsMember({"text", "json"}));
}

namespace {

int run_json(const probe::Subject& s, const probe::LiveSubject* live, const std::vector<probe::TargetRequest>& targets,
             const probe::ProbeOptions& opt, const std::vector<std::string>& notes, const std::string& rerun) {
  auto report = probe::probe_access(s, targets, opt, live);
  if (!report) return subject_error(report.error(), rerun);
  report->notes = notes;
  std::cout << probe::render_json(*report) << std::flush;
  return probe::exit_status(*report);
}

}  // namespace

int run_targets(const probe::Subject& s, const probe::LiveSubject* live,
                const std::vector<probe::TargetRequest>& targets, const probe::ProbeOptions& opt,
                const OutputOptions& out, const std::vector<std::string>& notes, const std::string& rerun) {
  if (out.format == "json") return run_json(s, live, targets, opt, notes, rerun);
  // Colour only on a terminal, and never with NO_COLOR (no-color.org).
  probe::RenderOptions ro{isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr};
  auto session = probe::Session::start(s, live, opt);
  if (!session) return subject_error(session.error(), rerun);
  auto process = probe::probe_process(**session, live);
  auto subject_findings = probe::explain_subject(s);
  auto process_findings = probe::explain_process(s, process);
  subject_findings.insert(subject_findings.end(), process_findings.begin(), process_findings.end());
  bool error_finding = false;
  for (const auto& x : subject_findings) error_finding = error_finding || x.severity == probe::Severity::Error;
  std::cout << probe::render_text_subject(s, (*session)->names(), process, notes, subject_findings, ro);
  bool compact = targets.size() > 3;
  auto bad = probe::probe_each(**session, targets, [&](const probe::Target& t, const std::vector<probe::Finding>& f, int) {
    for (const auto& x : f) error_finding = error_finding || x.severity == probe::Severity::Error;
    std::cout << probe::render_text_target(s, (*session)->names(), t, f, ro, compact);
  });
  if (!bad) {
    std::cout << std::flush;
    return subject_error(bad.error(), rerun);
  }
  std::cout << probe::render_text_summary(*bad, targets.size()) << std::flush;
  return *bad > 0 || error_finding ? kExitDenied : kExitOk;
}

int fail(int code, const std::string& msg, const std::string& hint) {
  std::cerr << "cfgprobe: error: " << probe::escape_for_terminal(msg) << "\n";
  if (!hint.empty()) std::cerr << "hint: " << probe::escape_for_terminal(hint) << "\n";
  return code;
}

int subject_error(const probe::Error& e, const std::string& rerun) {
  if (e.code == EACCES || e.code == EPERM)
    return fail(kExitSubject, e.message(), "run it as root: sudo " + rerun);
  if (e.code == ESRCH) return fail(kExitSubject, e.message(), "check the pid with: ps -p PID -o pid,user,comm");
  return fail(kExitSubject, e.message());
}

}  // namespace cfgprobe
