// render for AppArmor: the subject line. Labels come from an untrusted
// process's /proc and are escaped before they reach a terminal.
#include "apparmor_json.hpp"
#include "probe/apparmor.hpp"
#include "probe/render.hpp"

namespace probe {

std::string render_text_apparmor(const ApparmorFacts& f) {
  switch (f.state) {
    case AaState::NotEnabled:
      return "";
    case AaState::Unreadable:
      return "  apparmor unknown: " + escape_for_terminal(f.note) + "\n";
    case AaState::Unconfined:
      return "  apparmor unconfined\n";
    case AaState::Confined:
      break;
  }
  std::string s = "  apparmor " + escape_for_terminal(f.label);
  bool stacked = f.profiles.size() > 1;
  if (stacked) {
    s += "   stack:";
    for (const auto& p : f.profiles) s += " " + escape_for_terminal(p.name) + " (" + aa_mode_name(p.mode) + ")";
  }
  if (!f.note.empty()) s += "   (" + escape_for_terminal(f.note) + ")";
  return s + "\n";
}

}  // namespace probe

namespace probe {
namespace {

const char* state_name(AaState s) {
  switch (s) {
    case AaState::NotEnabled: return "not enabled";
    case AaState::Unreadable: return "unknown";
    case AaState::Unconfined: return "unconfined";
    case AaState::Confined: return "confined";
  }
  return "unknown";
}

nlohmann::ordered_json null_if_empty(const std::string& s) {
  return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
}

}  // namespace

nlohmann::ordered_json apparmor_facts_to_json(const ApparmorFacts& f) {
  nlohmann::ordered_json j;
  j["state"] = state_name(f.state);
  j["label"] = null_if_empty(f.label);
  j["label_source"] = null_if_empty(f.label_source);
  j["profiles"] = nlohmann::ordered_json::array();
  for (const auto& p : f.profiles) j["profiles"].push_back({{"name", p.name}, {"mode", aa_mode_name(p.mode)}});
  j["note"] = null_if_empty(f.note);
  return j;
}

nlohmann::ordered_json apparmor_target_to_json(const ApparmorTarget& t) {
  nlohmann::ordered_json j;
  j["outcome"] = aa_outcome_name(t.outcome);
  j["path"] = t.path;
  j["note"] = null_if_empty(t.note);
  j["checks"] = nlohmann::ordered_json::array();
  for (const auto& c : t.checks) {
    nlohmann::ordered_json e;
    e["profile"] = c.profile.name;
    e["mode"] = aa_mode_name(c.profile.mode);
    e["allowed"] = c.answer.err ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.answer.allowed);
    e["audited"] = c.answer.err ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.answer.audited);
    e["error"] = null_if_empty(c.answer.error);
    j["checks"].push_back(e);
  }
  return j;
}

}  // namespace probe
