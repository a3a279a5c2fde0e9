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

int emit_report(const probe::Report& r, const OutputOptions& out) {
  if (out.format == "json") {
    std::cout << probe::render_json(r);
  } else {
    // Colour only on a terminal, and never with NO_COLOR (no-color.org).
    probe::RenderOptions opt{isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr};
    std::cout << probe::render_text(r, opt);
  }
  std::cout.flush();
  return probe::exit_status(r);
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
