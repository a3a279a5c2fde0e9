// cfgprobe: why can't this process read its config? main only wires.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "cli.hpp"

namespace {

bool is_pid_word(const std::string& s) {
  if (s == "self") return true;
  return !s.empty() && s.size() < 12 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // `cfgprobe PID [PATH...]` is short for `cfgprobe inspect PID [PATH...]`.
  if (!args.empty() && is_pid_word(args[0])) args.insert(args.begin(), "inspect");
  // preflight's COMMAND [ARG...] after "--" is the app's, never ours: it is
  // set aside before CLI11 sees it, so "-c" or "--help" there reach the app.
  std::vector<std::string> command;
  if (!args.empty() && args[0] == "preflight")
    if (auto dd = std::find(args.begin(), args.end(), "--"); dd != args.end()) {
      command.assign(dd + 1, args.end());
      args.erase(dd, args.end());
    }
  std::reverse(args.begin(), args.end());  // CLI11 takes them reversed

  CLI::App app{"cfgprobe: why can't this process read its config?", "cfgprobe"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cfgprobe 0.1.0");
  int rc = cfgprobe::kExitOk;
  cfgprobe::register_inspect(app, rc);
  cfgprobe::register_check(app, rc);
  cfgprobe::register_explain(app, rc);
  cfgprobe::register_decrypt(app, rc);
  cfgprobe::register_preflight(app, rc, command);
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    cfgprobe::fail(cfgprobe::kExitUsage, e.what(), "cfgprobe --help");
    return cfgprobe::kExitUsage;
  }
  return rc;
}
