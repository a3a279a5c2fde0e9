// explain for the keyring probe (pure): the parsers of /proc/keys,
// /proc/key-users and keyctl_describe, the kernel's permission and quota
// rules, and the KEY- findings with their fixes.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>

#include "probe/keyring.hpp"
#include "probe/seccomp.hpp"

namespace probe {
namespace {

std::vector<std::string_view> split_ws(std::string_view s, size_t max_fields, std::string_view& rest) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (out.size() < max_fields) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j == i) break;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  while (i < s.size() && s[i] == ' ') ++i;
  rest = s.substr(i);
  return out;
}

template <class T>
bool parse_num(std::string_view s, T& v, int base = 10) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  return ec == std::errc() && p == s.data() + s.size();
}

// "desc: summary" -> desc. The summary a type's ->describe() appends
// (": 42" for user/logon, ": empty" or ": 3" for keyrings) is cut only
// when it looks like one, so a description holding ": " survives.
std::string_view strip_summary(std::string_view rest) {
  size_t c = rest.rfind(": ");
  if (c == std::string_view::npos) return rest;
  std::string_view tail = rest.substr(c + 2);
  uint64_t n = 0;
  if (tail == "empty" || parse_num(tail, n)) return rest.substr(0, c);
  return rest;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

}  // namespace

uint32_t key_perm_bits(uint32_t perm, KeyPermClass c) {
  switch (c) {
    case KeyPermClass::Possessor: return (perm >> 24) & 0x3f;
    case KeyPermClass::User: return (perm >> 16) & 0x3f;
    case KeyPermClass::Group: return (perm >> 8) & 0x3f;
    case KeyPermClass::Other: return perm & 0x3f;
  }
  return 0;
}

std::string key_perm_words(uint32_t bits) {
  static constexpr std::pair<uint32_t, const char*> kNames[] = {{kKeyView, "view"},     {kKeyRead, "read"},
                                                                {kKeyWrite, "write"},   {kKeySearch, "search"},
                                                                {kKeyLink, "link"},     {kKeySetattr, "setattr"}};
  std::string s;
  for (const auto& [bit, name] : kNames)
    if (bits & bit) s += (s.empty() ? "" : " ") + std::string(name);
  return s.empty() ? "none" : s;
}

std::string describe_key_perm(uint32_t perm) {
  return "possessor: " + key_perm_words(key_perm_bits(perm, KeyPermClass::Possessor)) +
         "; user: " + key_perm_words(key_perm_bits(perm, KeyPermClass::User)) +
         "; group: " + key_perm_words(key_perm_bits(perm, KeyPermClass::Group)) +
         "; other: " + key_perm_words(key_perm_bits(perm, KeyPermClass::Other));
}

// security/keys/proc.c: proc_keys_show() prints
// "%08x %c%c%c%c%c%c%c %5d %4s %08x %5d %5d %-9.9s " then ->describe().
std::vector<KeyInfo> parse_proc_keys(std::string_view text) {
  std::vector<KeyInfo> out;
  for (auto line : lines_of(text)) {
    std::string_view rest;
    auto f = split_ws(line, 8, rest);
    KeyInfo k;
    uint32_t serial = 0;
    if (f.size() != 8 || !parse_num(f[0], serial, 16) || !parse_num(f[4], k.perm, 16) || !parse_num(f[5], k.uid) ||
        !parse_num(f[6], k.gid))
      continue;
    k.serial = static_cast<int32_t>(serial);
    k.flags = std::string(f[1]);
    k.timeout = std::string(f[3]);
    k.type = std::string(f[7]);
    k.description = std::string(strip_summary(rest));
    out.push_back(std::move(k));
  }
  return out;
}

std::optional<KeyInfo> parse_key_describe(int32_t serial, std::string_view text) {
  // security/keys/keyctl.c: keyctl_describe_key(): "%s;%d;%d;%08x;" then
  // the description, which may itself hold ';'.
  KeyInfo k;
  k.serial = serial;
  std::string_view f[4];
  for (auto& x : f) {
    size_t semi = text.find(';');
    if (semi == std::string_view::npos) return std::nullopt;
    x = text.substr(0, semi);
    text.remove_prefix(semi + 1);
  }
  int32_t uid = 0, gid = 0;
  if (f[0].empty() || !parse_num(f[1], uid) || !parse_num(f[2], gid) || !parse_num(f[3], k.perm, 16)) return std::nullopt;
  k.type = std::string(f[0]);
  k.uid = static_cast<uint32_t>(uid);
  k.gid = static_cast<uint32_t>(gid);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.remove_suffix(1);
  k.description = std::string(text);
  return k;
}

bool key_revoked(const KeyInfo& k) { return k.flags.size() > 1 && k.flags[1] == 'R'; }
bool key_expired(const KeyInfo& k) { return k.timeout == "expd"; }

// security/keys/proc.c: proc_key_users_show():
// "%5u: %5d %d/%d %d/%d %d/%d" = uid: usage nkeys/nikeys qnkeys/maxkeys qnbytes/maxbytes.
std::vector<KeyUserQuota> parse_key_users(std::string_view text) {
  std::vector<KeyUserQuota> out;
  for (auto line : lines_of(text)) {
    std::string_view rest;
    auto f = split_ws(line, 5, rest);
    if (f.size() != 5 || f[0].empty() || f[0].back() != ':') continue;
    KeyUserQuota q;
    auto pair = [](std::string_view s, uint32_t& a, uint32_t& b) {
      size_t slash = s.find('/');
      return slash != std::string_view::npos && parse_num(s.substr(0, slash), a) && parse_num(s.substr(slash + 1), b);
    };
    uint32_t nkeys = 0, nikeys = 0;
    if (!parse_num(f[0].substr(0, f[0].size() - 1), q.uid) || !pair(f[2], nkeys, nikeys) ||
        !pair(f[3], q.keys, q.max_keys) || !pair(f[4], q.bytes, q.max_bytes))
      continue;
    out.push_back(q);
  }
  return out;
}

KeyUserQuota quota_for(uint32_t uid, const std::optional<KeyUserQuota>& line, const KeyQuotaLimits& lim) {
  if (line) return *line;  // the kernel printed the limit that applies
  KeyUserQuota q;
  q.uid = uid;
  q.max_keys = uid == 0 ? lim.root_maxkeys : lim.maxkeys;
  q.max_bytes = uid == 0 ? lim.root_maxbytes : lim.maxbytes;
  return q;
}

bool quota_fits(const KeyUserQuota& q, size_t desc_len, size_t payload_len) {
  uint64_t quotalen = desc_len + 1 + payload_len;
  return uint64_t{q.keys} + 1 <= q.max_keys && uint64_t{q.bytes} + quotalen <= q.max_bytes;
}

uint32_t key_granted(const KeyInfo& k, uint32_t fsuid, uint32_t fsgid, const std::vector<uint32_t>& groups,
                     bool possessed) {
  uint32_t bits = 0;
  if (k.uid == fsuid) bits = key_perm_bits(k.perm, KeyPermClass::User);
  else if (k.gid != static_cast<uint32_t>(-1) &&
           (k.gid == fsgid || std::find(groups.begin(), groups.end(), k.gid) != groups.end()))
    bits = key_perm_bits(k.perm, KeyPermClass::Group);
  else bits = key_perm_bits(k.perm, KeyPermClass::Other);
  // Possessor permissions are additive with the others.
  if (possessed) bits |= key_perm_bits(k.perm, KeyPermClass::Possessor);
  return bits;
}

const char* key_state_name(KeyState s) {
  switch (s) {
    case KeyState::Readable: return "readable";
    case KeyState::NotFound: return "not found";
    case KeyState::OtherSession: return "in another session keyring";
    case KeyState::UserNotLinked: return "in the user keyring, which the session keyring does not link";
    case KeyState::Logon: return "a logon key (never readable from user space)";
    case KeyState::WrongType: return "of another type";
    case KeyState::NoRead: return "not readable (permissions)";
    case KeyState::Expired: return "expired";
    case KeyState::Revoked: return "revoked";
    case KeyState::SyscallBlocked: return "keyctl blocked";
    case KeyState::NoKernelSupport: return "no kernel key support";
    case KeyState::Unknown: return "unknown";
  }
  return "?";
}

namespace {

bool blocked(int err) { return err == EPERM || err == ENOSYS; }

int32_t found_id(const KeyProbe& k) {
  for (const auto& s : k.searches)
    if (s.found != 0) return s.found;
  return 0;
}

// Found through the thread, process or session keyring: possessed
// (security/keys/process_keys.c: search_cred_keyrings_rcu).
bool found_possessed(const KeyProbe& k) {
  for (const auto& s : k.searches)
    if (s.found != 0 && (s.ring == "@t" || s.ring == "@p" || s.ring == "@s")) return true;
  return false;
}

bool search_failed_with(const KeyProbe& k, int err) {
  return std::any_of(k.searches.begin(), k.searches.end(), [&](const KeySearch& s) { return s.err == err; });
}

KeyState state_of_found(const KeyProbe& k) {
  if (k.key && k.key->type == "logon") return KeyState::Logon;
  switch (k.read_err) {
    case 0: return KeyState::Readable;
    case EKEYEXPIRED: return KeyState::Expired;
    case EKEYREVOKED: return KeyState::Revoked;
    case EOPNOTSUPP: return KeyState::WrongType;
    default: break;
  }
  // Found by naming @u, not through the session: not possessed, and
  // keyctl_read_key() reads a key without read permission only when it
  // is possessed (security/keys/keyctl.c).
  bool via_user = std::any_of(k.searches.begin(), k.searches.end(),
                              [](const KeySearch& s) { return s.found != 0 && s.ring == "@u"; });
  if (k.read_err == EACCES && !k.via_helper && via_user && !found_possessed(k)) return KeyState::UserNotLinked;
  if (k.read_err == EACCES) return k.via_helper ? KeyState::Unknown : KeyState::NoRead;
  return KeyState::Unknown;
}

KeyState state_of_missing(const KeyProbe& k) {
  if (k.key && key_revoked(*k.key)) return KeyState::Revoked;
  if (k.key && key_expired(*k.key)) return KeyState::Expired;
  if (search_failed_with(k, EKEYREVOKED)) return KeyState::Revoked;
  if (search_failed_with(k, EKEYEXPIRED)) return KeyState::Expired;
  if (search_failed_with(k, EACCES)) return KeyState::NoRead;
  bool user = false, logon = false, other = false;
  for (const auto& e : k.elsewhere) {
    if (e.type == "user" && !key_expired(e) && !key_revoked(e)) user = true;
    else if (e.type == "logon") logon = true;
    else other = true;
  }
  if (user) return KeyState::OtherSession;
  if (logon) return KeyState::Logon;
  if (other) return KeyState::WrongType;
  return k.via_helper ? KeyState::Unknown : KeyState::NotFound;
}

}  // namespace

KeyState classify_key(const KeyringFacts& f, const KeyProbe& k) {
  if (f.syscalls.killed_by != 0) return KeyState::SyscallBlocked;
  if (blocked(f.syscalls.keyctl_err)) return f.proc_keys ? KeyState::SyscallBlocked : KeyState::NoKernelSupport;
  if (!f.self && !k.via_helper) return KeyState::Unknown;
  if (k.via_helper && !k.helper_error.empty()) return KeyState::Unknown;
  return found_id(k) != 0 ? state_of_found(k) : state_of_missing(k);
}

// ---- findings ----

namespace {

std::string hex8(uint32_t v) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::string quoted(const std::string& d) { return "\"" + d + "\""; }

std::string padd(const std::string& desc, const std::string& ring) {
  return "keyctl padd user " + quoted(desc) + " " + ring + " < identity.txt";
}

std::string key_ref(const KeyProbe& k) { return k.key ? std::to_string(k.key->serial) : "%user:" + k.desc; }

std::string holder_text(int32_t serial, const std::string& desc) {
  return "keyring " + std::to_string(serial) + (desc.empty() ? "" : " (" + desc + ")");
}

// The classes' bytes, with read (and view) added for the class that
// decides for this subject: key_task_permission() picks exactly one.
uint32_t perm_with_read(const Subject& s, const KeyInfo& k) {
  uint32_t add = kKeyRead | kKeyView | kKeySearch;
  if (k.uid == s.uid.fs) return k.perm | (add << 16);
  if (k.gid == s.gid.fs || std::find(s.groups.begin(), s.groups.end(), k.gid) != s.groups.end())
    return k.perm | (add << 8);
  return k.perm | add;
}

std::vector<Fix> add_fixes(const Subject& s, const std::string& desc) {
  std::vector<Fix> fx{{padd(desc, "@u"), "the user keyring of uid " + std::to_string(s.uid.fs) +
                                             ": every session of this user that links it (the default) finds it"},
                      {padd(desc, "@s"), "this login session only"}};
  if (s.unit)
    fx.push_back({"systemctl edit " + *s.unit + "   # KeyringMode=shared",
                  "the service's session keyring then links the user keyring"});
  return fx;
}

Finding other_session(const Subject& s, const KeyProbe& k) {
  size_t i = 0;
  while (i < k.elsewhere.size() && k.elsewhere[i].type != "user") ++i;
  const KeyInfo& e = k.elsewhere[i];
  int32_t holder = k.elsewhere_holders[i];
  std::string where = holder != 0 ? "is linked from " + holder_text(holder, "") : "exists";
  std::string ex = "key " + quoted(k.desc) + " (" + std::to_string(e.serial) + ", owner uid " + std::to_string(e.uid) +
                   ") " + where + ", but not in this process's thread, process or session keyring: it was added " +
                   "from another session (a login shell; the process runs under sudo, su, systemd or docker exec " +
                   "with a session keyring of its own)";
  std::vector<Fix> fx;
  if (e.uid != s.uid.fs) {
    ex += "; it also belongs to uid " + std::to_string(e.uid) + ", not the process's uid " + std::to_string(s.uid.fs);
    fx.push_back({"sudo -u \\#" + std::to_string(s.uid.fs) + " " + padd(k.desc, "@u"),
                  "add it as the process's own user, to its user keyring"});
  } else {
    fx.push_back({"keyctl link " + std::to_string(e.serial) + " @u",
                  "run it in the session that added the key (it possesses the key): the user keyring then holds it"});
    fx.push_back({padd(k.desc, "@u"), "or add it to the user keyring instead of the session keyring"});
  }
  fx.push_back({"keyctl link " + std::to_string(e.serial) + " @s",
                "run it in the process's session, if the key grants it link permission there"});
  if (s.unit)
    fx.push_back({"systemctl edit " + *s.unit + "   # KeyringMode=shared",
                  "a service's own session keyring then links the user keyring"});
  return make_finding("KEY-004", k.desc, ex, fx);
}

Finding user_not_linked(const Subject& s, const KeyProbe& k) {
  std::string id = key_ref(k);
  std::vector<Fix> fx{{"keyctl link @u @s", "in the process's session: its session keyring then reaches the user keyring"}};
  if (s.unit)
    fx.push_back({"systemctl edit " + *s.unit + "   # KeyringMode=shared", "the service's session keyring links @u"});
  fx.push_back({"keyctl setperm " + id + " 0x" + hex8(perm_with_read(s, *k.key)),
                "read and search without possession, for every process of this uid"});
  return make_finding("KEY-005", k.desc,
                      "key " + quoted(k.desc) + " (" + id + ") is in the user keyring, but this process's session " +
                          "keyring does not link the user keyring, so it does not possess the key; without " +
                          "possession its permissions (" + describe_key_perm(k.key->perm) + ") give no read",
                      fx);
}

Finding no_read(const Subject& s, const KeyProbe& k) {
  if (!k.key)
    return make_finding("KEY-008", k.desc,
                        "key " + quoted(k.desc) + " matches but grants this process no search permission (EACCES)",
                        {{"keyctl describe %user:" + k.desc, "in the session that added it: shows its permissions"}});
  std::string id = std::to_string(k.key->serial);
  uint32_t granted = key_granted(*k.key, s.uid.fs, s.gid.fs, s.groups, found_possessed(k));
  std::vector<Fix> fx{{"keyctl setperm " + id + " 0x" + hex8(perm_with_read(s, *k.key)),
                       "adds view, read and search for this process's class only (needs setattr: run it where the "
                       "key was added)"}};
  if (k.key->uid != s.uid.fs)
    fx.push_back({"keyctl chown " + id + " " + std::to_string(s.uid.fs), "make the process's uid the owner (root)"});
  return make_finding("KEY-008", k.desc,
                      "key " + quoted(k.desc) + " (" + id + ", owner uid " + std::to_string(k.key->uid) +
                          ") grants this process only: " + key_perm_words(granted) + " [" +
                          describe_key_perm(k.key->perm) + "]",
                      fx);
}

std::string lifetime_id(const KeyProbe& k) { return k.key ? " (" + std::to_string(k.key->serial) + ")" : ""; }

Finding key_finding(const Subject& s, const KeyringFacts& f, const KeyProbe& k, KeyState st) {
  switch (st) {
    case KeyState::NotFound:
      return make_finding("KEY-003", k.desc,
                          "no key " + quoted(k.desc) + " of type user in this process's keyrings" +
                              (k.keyring.empty() ? " (thread, process, session, user)" : " (" + k.keyring + ")") +
                              ", and none visible in /proc/keys",
                          add_fixes(s, k.desc));
    case KeyState::OtherSession: return other_session(s, k);
    case KeyState::UserNotLinked: return user_not_linked(s, k);
    case KeyState::Logon:
      return make_finding("KEY-006", k.desc,
                          "key " + quoted(k.desc) + lifetime_id(k) +
                              " is a logon key: its payload can never be read from user space, only by the kernel",
                          {{"keyctl padd user " + quoted(k.desc) + " @u < identity.txt",
                            "re-add it as a user key (then unlink the logon key)"}});
    case KeyState::WrongType:
      return make_finding("KEY-007", k.desc,
                          "a key named " + quoted(k.desc) + " exists, but not of type user",
                          {{padd(k.desc, "@u"), "add the identity as a user key"}});
    case KeyState::NoRead: return no_read(s, k);
    case KeyState::Expired:
      return make_finding("KEY-009", k.desc, "key " + quoted(k.desc) + lifetime_id(k) + " has expired (EKEYEXPIRED)",
                          {{padd(k.desc, "@u"), "add it again; `keyctl timeout ID 0` keeps the new one for good"}});
    case KeyState::Revoked:
      return make_finding("KEY-010", k.desc, "key " + quoted(k.desc) + lifetime_id(k) + " was revoked (EKEYREVOKED)",
                          {{padd(k.desc, "@u"), "add it again"}});
    case KeyState::SyscallBlocked:
    case KeyState::NoKernelSupport:
    case KeyState::Readable:
    case KeyState::Unknown: break;
  }
  (void)f;
  return {};
}

std::string errno_list(const KeySyscalls& k) {
  std::string s;
  auto add = [&](const char* n, int e) {
    if (e == EPERM || e == ENOSYS) s += (s.empty() ? "" : ", ") + std::string(n) + " fails with " + errno_name(e);
  };
  add("keyctl", k.keyctl_err);
  add("add_key", k.add_key_err);
  add("request_key", k.request_key_err);
  if (k.killed_by != 0)
    s = "keyctl, add_key or request_key kills the process (signal " + std::to_string(k.killed_by) + ")";
  return s;
}

// The seccomp probe's verdict for a keyring syscall: its errno, 0 when
// allowed or not known.
int seccomp_err(const SeccompFacts* sc, std::string_view name) {
  if (!sc || sc->dump != SeccompDump::Dumped) return 0;
  for (const auto& v : evaluate_seccomp(*sc))
    if (v.sys.name == name && v.sys.abi == std::string_view("x86_64") && v.kind == SyscallVerdict::Kind::Exact &&
        v.action != SeccompAction::Allow && v.action != SeccompAction::Log)
      return v.err != 0 ? v.err : EPERM;
  return 0;
}

std::vector<Fix> syscall_fixes(const Subject& s) {
  std::vector<Fix> fx;
  if (s.unit)
    fx.push_back({"systemctl edit " + *s.unit + "   # SystemCallFilter=@keyring", "this service only"});
  fx.push_back({"docker run --security-opt seccomp=profile.json ...",
                "the default profile plus keyctl, add_key, request_key allowed (policies/seccomp/)"});
  fx.push_back({"cfgprobe explain SCMP-001", "the seccomp side of it"});
  return fx;
}

void syscall_findings(const Subject& s, const KeyringFacts& f, const SeccompFacts* sc, std::vector<Finding>& out) {
  const KeySyscalls& k = f.syscalls;
  std::string source = f.self ? "tried" : "the seccomp filter's verdict";
  std::string what = errno_list(k);
  if (what.empty()) return;
  bool filtered = s.seccomp == SeccompMode::Filter || (sc && sc->mode == SeccompMode::Filter);
  if (k.keyctl_err == ENOSYS && !filtered && !f.proc_keys) {
    out.push_back(make_finding("KEY-001", "keyctl",
                               "keyctl fails with ENOSYS and /proc/keys is missing: this kernel has no key support "
                               "(CONFIG_KEYS)",
                               {{"use a kernel built with CONFIG_KEYS=y", "every distribution kernel has it"}}));
    return;
  }
  bool reads = blocked(k.keyctl_err) || k.killed_by != 0;
  out.push_back(make_finding(reads ? "KEY-002" : "KEY-011", "keyctl add_key request_key",
                             what + " (" + source + ")" +
                                 (reads ? ": no key can be searched or read"
                                        : ": keys can be read (keyctl), but not added from here"),
                             syscall_fixes(s)));
}

void quota_finding(const Subject& s, const KeyringFacts& f, std::vector<Finding>& out) {
  KeyUserQuota q = quota_for(f.fsuid, f.quota, f.limits);
  // An age identity with its comments is about 190 bytes; a description 32.
  if (quota_fits(q, 32, 256)) return;
  bool keys_full = uint64_t{q.keys} + 1 > q.max_keys;
  std::string knob = f.fsuid == 0 ? (keys_full ? "root_maxkeys" : "root_maxbytes") : (keys_full ? "maxkeys" : "maxbytes");
  uint32_t now = keys_full ? q.max_keys : q.max_bytes;
  uint32_t want = std::max(now * 2, now + (keys_full ? 50u : 5000u));
  (void)s;
  out.push_back(make_finding(
      "KEY-012", "uid " + std::to_string(f.fsuid),
      "uid " + std::to_string(f.fsuid) + " holds " + std::to_string(q.keys) + " of " + std::to_string(q.max_keys) +
          " keys and " + std::to_string(q.bytes) + " of " + std::to_string(q.max_bytes) +
          " bytes: adding the key fails with EDQUOT",
      {{"keyctl show @u; keyctl unlink ID", "remove keys it no longer needs (as uid " + std::to_string(f.fsuid) + ")"},
       {"sysctl -w kernel.keys." + knob + "=" + std::to_string(want), "for every user; persist it in /etc/sysctl.d/"}}));
}

void userns_finding(const Subject& s, const KeyringFacts& f, std::vector<Finding>& out) {
  if (!f.own_user_ns) return;
  std::string pid = s.pid ? std::to_string(*s.pid) : "PID";
  out.push_back(make_finding(
      "KEY-013", "user namespace",
      "the process runs in its own user namespace: its user keyring (@u) is that namespace's, and keys the host "
      "user added to the host's user keyring are not there",
      {{"nsenter -t " + pid + " -U -S " + std::to_string(id_inside(s.uid_map, s.uid.fs).value_or(0)) + " -G " +
            std::to_string(id_inside(s.gid_map, s.gid.fs).value_or(0)) + " " + padd("DESC", "@u"),
        "add the key inside its namespace, to its user keyring"}}));
}

void helper_findings(const Subject& s, const KeyringFacts& f, std::vector<Finding>& out) {
  for (const auto& k : f.keys) {
    std::string ex;
    if (!k.helper_error.empty()) {
      ex = "key " + quoted(k.desc) + ": " + k.helper_error;
    } else if (found_id(k) == 0) {
      ex = "key " + quoted(k.desc) + " is not in uid " + std::to_string(s.uid.fs) +
           "'s user keyring; its session keyring could still hold it, and that cannot be inspected from outside";
    } else if (k.read_err == EACCES) {
      ex = "key " + quoted(k.desc) + " (" + key_ref(k) + ") is in uid " + std::to_string(s.uid.fs) +
           "'s user keyring; it is readable only if the process's session keyring links the user keyring " +
           "(possession), which cannot be inspected from outside";
    } else {
      continue;
    }
    out.push_back(make_finding("KEY-014", k.desc, ex,
                               {{"cfgprobe decrypt --key " + quoted(k.desc) + " ...",
                                 "run inside the process's session (the same service or container) for a full answer"}}));
  }
}

}  // namespace

std::vector<Finding> explain_key(const Subject& s, const KeyringFacts& f, const KeyProbe& k) {
  std::vector<Finding> out;
  KeyState st = classify_key(f, k);
  Finding x = key_finding(s, f, k, st);
  if (!x.id.empty()) out.push_back(std::move(x));
  return out;
}

std::vector<Finding> explain_keyring(const Subject& s, const KeyringFacts& facts, const SeccompFacts* seccomp) {
  std::vector<Finding> out;
  // Another process: its keyring syscalls are what its seccomp filter says.
  KeyringFacts f = facts;
  if (!f.syscalls.probed && seccomp && seccomp->dump == SeccompDump::Dumped) {
    f.syscalls = {seccomp_err(seccomp, "keyctl"), seccomp_err(seccomp, "add_key"), seccomp_err(seccomp, "request_key"),
                  true};
    // SCMP-001 already names the filter; KEY-002 adds the keys' side when keys were asked about.
    if (!f.keys.empty()) syscall_findings(s, f, seccomp, out);
  } else if (f.syscalls.probed) {
    syscall_findings(s, f, seccomp, out);
  }
  quota_finding(s, f, out);
  userns_finding(s, f, out);
  if (f.self) {
    for (const auto& k : f.keys) {
      auto x = explain_key(s, f, k);
      out.insert(out.end(), x.begin(), x.end());
    }
  } else {
    // Another process: what the helper settled is a finding of its own;
    // the rest says what could not be known from outside.
    KeyringFacts unknown = f;
    unknown.keys.clear();
    for (const auto& k : f.keys) {
      KeyState st = classify_key(f, k);
      Finding x = key_finding(s, f, k, st);
      if (!x.id.empty()) out.push_back(std::move(x));
      else if (st == KeyState::Unknown) unknown.keys.push_back(k);
    }
    helper_findings(s, unknown, out);
  }
  for (auto& x : out) x.target = -1;
  return out;
}

}  // namespace probe
