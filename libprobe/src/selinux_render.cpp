// render for the SELinux layer: the subject line and the JSON fragments.
// Contexts and labels come from the system: the text passes through
// escape_for_terminal(), JSON is ASCII-escaped by render_json.
#include "probe/render.hpp"
#include "probe/selinux.hpp"
#include "selinux_json.hpp"

namespace probe {

std::string render_text_selinux(const SelinuxFacts& f) {
  std::string s = "  selinux  ";
  if (!f.evaluated) return s + "not evaluated: " + escape_for_terminal(f.note) + "\n";
  s += escape_for_terminal(f.context) + " (" + selinux_mode_name(f.mode) + ")";
  s += f.source == "kernel" ? "   decided by the kernel"
                            : "   offline policy " + escape_for_terminal(f.policy);
  if (f.source == "kernel")
    s += f.explain_policy.empty() ? " (" + escape_for_terminal(f.explain_note) + ")"
                                  : ", explained from " + escape_for_terminal(f.explain_policy);
  if (!f.file_contexts.empty()) s += ", file_contexts " + escape_for_terminal(f.file_contexts);
  return s + "\n";
}

nlohmann::ordered_json selinux_facts_to_json(const SelinuxFacts& f) {
  using json = nlohmann::ordered_json;
  auto opt = [](const std::string& v) { return v.empty() ? json(nullptr) : json(v); };
  json j{{"evaluated", f.evaluated}, {"note", opt(f.note)}, {"context", opt(f.context)},
         {"context_source", opt(f.context_source)}};
  j["mode"] = f.evaluated ? json(selinux_mode_name(f.mode)) : json(nullptr);
  j["mode_source"] = opt(f.mode_source);
  j["source"] = opt(f.source);
  j["policy"] = opt(f.policy);
  j["explain_policy"] = opt(f.explain_policy);
  j["explain_note"] = opt(f.explain_note);
  j["file_contexts"] = opt(f.file_contexts);
  j["kernel_enabled"] = f.kernel_enabled;
  return j;
}

nlohmann::ordered_json selinux_check_to_json(const SelinuxCheck& c) {
  using json = nlohmann::ordered_json;
  json by = json::array();
  if (c.av.by_te) by.push_back("te");
  if (c.av.by_constraint) by.push_back("constraint");
  if (c.av.by_rbac) by.push_back("rbac");
  if (c.av.by_bounds) by.push_back("bounds");
  json bools = json::array();
  for (const auto& b : c.booleans)
    bools.push_back({{"name", b.name}, {"value", b.value}, {"opens", b.opens}, {"examples", b.examples}});
  json j{{"class", c.tclass}, {"label", c.label.empty() ? json(nullptr) : json(c.label)},
         {"label_state", label_state_name(c.label_state)}, {"tcon", c.tcon},
         {"expected", c.expected ? json(*c.expected) : json(nullptr)}, {"perms", c.perms},
         {"required", c.required}, {"denied", c.av.denied}, {"dontaudit", c.av.hidden}, {"by", by}};
  j["constraint"] = c.av.constraint.empty() ? json(nullptr) : json(c.av.constraint);
  j["enforced"] = c.enforced;
  j["permissive_domain"] = c.av.permissive_domain;
  j["booleans"] = bools;
  j["error"] = c.av.err != 0 ? json(c.av.error) : json(nullptr);
  return j;
}

}  // namespace probe
