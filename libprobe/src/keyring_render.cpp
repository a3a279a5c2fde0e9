// render for the keyring probe: the lines of the subject block. Key
// descriptions come from the system and are escaped.
#include <algorithm>
#include <sstream>

#include "keyring_json.hpp"
#include "probe/keyring.hpp"
#include "probe/render.hpp"

namespace probe {
namespace {

std::string paint(bool color, bool ok, const std::string& s) {
  if (!color) return s;
  return (ok ? "\033[32m" : "\033[1;31m") + s + "\033[0m";
}

const ProcessKeyring* ring(const KeyringFacts& f, std::string_view spec) {
  for (const auto& r : f.rings)
    if (r.spec == spec) return &r;
  return nullptr;
}

std::string session_text(const KeyringFacts& f) {
  const ProcessKeyring* s = ring(f, "@s");
  const ProcessKeyring* u = ring(f, "@u");
  if (!s || s->serial == 0) return "";
  bool links_u = u && u->serial != 0 && std::find(s->links.begin(), s->links.end(), u->serial) != s->links.end();
  return "session " + std::to_string(s->serial) + " (" + escape_for_terminal(s->description) + ")" +
         (links_u ? " links @u" : " does not link @u") + "; ";
}

std::string key_line(const KeyringFacts& f, const KeyProbe& k, bool color) {
  KeyState st = classify_key(f, k);
  std::string s = "  key      \"" + escape_for_terminal(k.desc) + "\": " +
                  paint(color, st == KeyState::Readable, key_state_name(st));
  if (k.key) {
    s += ", " + escape_for_terminal(k.key->type) + " key " + std::to_string(k.key->serial) + " owner uid " +
         std::to_string(k.key->uid);
    if (k.holder) s += ", in keyring " + std::to_string(*k.holder) + " (" + escape_for_terminal(k.holder_desc) + ")";
    if (!k.key->timeout.empty() && k.key->timeout != "perm") s += ", expires " + escape_for_terminal(k.key->timeout);
    s += "\n           perm " + describe_key_perm(k.key->perm);
  }
  if (k.via_helper) s += " (searched its user keyring only)";
  return s + "\n";
}

}  // namespace

std::string render_text_keyring(const KeyringFacts& f, bool color) {
  std::ostringstream o;
  KeyUserQuota q = quota_for(f.fsuid, f.quota, f.limits);
  o << "  keyring  " << (f.proc_keys ? "" : "no /proc/keys; ") << session_text(f) << "quota uid " << f.fsuid << ": "
    << q.keys << "/" << q.max_keys << " keys, " << q.bytes << "/" << q.max_bytes << " bytes";
  if (f.own_user_ns) o << "; own user namespace";
  o << "\n";
  for (const auto& k : f.keys) o << key_line(f, k, color);
  return o.str();
}

nlohmann::ordered_json keyring_to_json(const KeyringFacts& f) {
  using json = nlohmann::ordered_json;
  KeyUserQuota q = quota_for(f.fsuid, f.quota, f.limits);
  json j;
  j["proc_keys"] = f.proc_keys;
  j["quota"] = {{"uid", q.uid}, {"keys", q.keys}, {"max_keys", q.max_keys}, {"bytes", q.bytes}, {"max_bytes", q.max_bytes}};
  j["own_user_ns"] = f.own_user_ns;
  j["rings"] = json::array();
  for (const auto& r : f.rings)
    j["rings"].push_back({{"spec", r.spec}, {"serial", r.serial != 0 ? json(r.serial) : json(nullptr)},
                          {"description", r.description}});
  j["keys"] = json::array();
  for (const auto& k : f.keys) {
    json x{{"description", k.desc}, {"state", key_state_name(classify_key(f, k))}};
    if (k.key)
      x["key"] = {{"serial", k.key->serial}, {"type", k.key->type}, {"uid", k.key->uid}, {"gid", k.key->gid},
                  {"perm", describe_key_perm(k.key->perm)}, {"timeout", k.key->timeout}, {"flags", k.key->flags}};
    else
      x["key"] = nullptr;
    x["holder"] = k.holder ? json(*k.holder) : json(nullptr);
    x["searched_user_keyring_only"] = k.via_helper;
    j["keys"].push_back(x);
  }
  return j;
}

}  // namespace probe
