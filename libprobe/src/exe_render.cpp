// render for the exe probe: lines for the subject block and a JSON
// fragment. Every name from the system passes through escape_for_terminal().
#include <cerrno>

#include "exe_json.hpp"
#include "probe/exe.hpp"
#include "probe/render.hpp"

namespace probe {
namespace {

using json = nlohmann::ordered_json;

std::string esc(std::string_view s) { return escape_for_terminal(s); }

std::string paint(bool color, const char* code, const std::string& s) {
  return color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
}

// What follows the link on the "exe" line.
std::string state_note(const ExeFacts& f, bool color) {
  switch (classify_exe(f)) {
    case ExeState::Ok: return "";
    case ExeState::Deleted: return "  " + paint(color, "33", "DELETED since it started");
    case ExeState::Replaced: return "  " + paint(color, "33", "REPLACED on disk: it runs the old binary");
    case ExeState::Memfd: return "  (memfd: no file on disk)";
    case ExeState::MainThreadExited:
      return "  " + paint(color, "33", "main thread exited") + "; via thread " + std::to_string(f.via_thread) + ": " +
             esc(f.via_thread_link);
    case ExeState::Denied: return "  " + paint(color, "1;31", "unreadable: no ptrace-read access (" + errno_name(f.link_err) + ")");
    case ExeState::Unknown: return f.link_err ? "  unreadable (" + errno_name(f.link_err) + ")" : "";
  }
  return "";
}

std::string dir_line(const ExeDirCheck& d, bool color) {
  std::string s = "  exe dir  " + esc(d.dir) + "  ";
  if (d.verdict == Verdict::Missing) return s + paint(color, "1;31", "missing") + "\n";
  if (!d.blocked_at.empty()) return s + paint(color, "1;31", "NOT searchable at " + esc(d.blocked_at)) + "\n";
  if (!d.searchable) return s + "unknown\n";
  return s + paint(color, "32", "searchable") + (d.listable ? ", listable" : ", not listable") + "\n";
}

json file_id(const std::optional<FileId>& id) {
  if (!id) return nullptr;
  return {{"dev", id->dev}, {"ino", id->ino}};
}

json err_json(int err) { return err ? json(errno_name(err)) : json(nullptr); }

json dir_json(const std::optional<ExeDirCheck>& d) {
  if (!d) return nullptr;
  return {{"path", d->dir},           {"verdict", verdict_name(d->verdict)}, {"searchable", d->searchable},
          {"listable", d->listable}, {"blocked_at", d->blocked_at.empty() ? json(nullptr) : json(d->blocked_at)}};
}

}  // namespace

std::string render_text_exe(const ExeFacts& f, bool color) {
  std::string link = f.link.empty() ? "-" : esc(f.link);
  std::string out = "  exe      " + link + state_note(f, color) + "\n";
  auto path = exe_path(f);
  if (f.argv0 && path && *f.argv0 != *path) out += "  argv[0]  " + esc(*f.argv0) + "\n";
  if (f.dir) out += dir_line(*f.dir, color);
  return out;
}

json exe_to_json(const ExeFacts& f) {
  auto path = exe_path(f);
  json j;
  j["state"] = exe_state_name(classify_exe(f));
  j["link"] = f.link.empty() ? json(nullptr) : json(f.link);
  j["error"] = err_json(f.link_err);
  j["path"] = path ? json(*path) : json(nullptr);
  j["via_thread"] = f.via_thread ? json(f.via_thread) : json(nullptr);
  j["running"] = file_id(f.running);
  j["at_path"] = file_id(f.in_root);
  j["at_path_error"] = err_json(f.in_root_err);
  j["on_host"] = f.on_host ? json(true) : f.on_host_err == ENOENT ? json(false) : json(nullptr);
  j["argv0"] = f.argv0 ? json(*f.argv0) : json(nullptr);
  j["dir"] = dir_json(f.dir);
  return j;
}

}  // namespace probe
