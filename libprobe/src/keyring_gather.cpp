// gather for the keyring probe: libkeyutils calls, /proc/keys,
// /proc/key-users and /proc/sys/kernel/keys. The only keyring code that
// touches the system; it judges nothing.
#include <fcntl.h>
#include <keyutils.h>
#include <grp.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <set>

#include "probe/keyring.hpp"
#include "sysio.hpp"

namespace probe {
namespace {

constexpr size_t kMaxRingWalk = 512;  // keyrings visited when looking for a holder

std::string read_proc(const std::string& path, int& err) {
  auto text = sysio::read_at(AT_FDCWD, path);
  err = text ? 0 : text.error().code;
  return text ? *text : std::string();
}

uint32_t read_sysctl(const char* name, uint32_t fallback, int& err) {
  int e = 0;
  std::string text = read_proc(std::string("/proc/sys/kernel/keys/") + name, e);
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (e != 0 || ec != std::errc()) {
    if (err == 0) err = e != 0 ? e : EINVAL;
    return fallback;
  }
  (void)p;
  return v;
}

KeyQuotaLimits read_limits(int& err) {
  KeyQuotaLimits l;
  l.maxkeys = read_sysctl("maxkeys", l.maxkeys, err);
  l.maxbytes = read_sysctl("maxbytes", l.maxbytes, err);
  l.root_maxkeys = read_sysctl("root_maxkeys", l.root_maxkeys, err);
  l.root_maxbytes = read_sysctl("root_maxbytes", l.root_maxbytes, err);
  return l;
}

std::optional<KeyUserQuota> quota_line(uint32_t uid) {
  int err = 0;
  std::string text = read_proc("/proc/key-users", err);
  for (const auto& q : parse_key_users(text))
    if (q.uid == uid) return q;
  return std::nullopt;
}

// The serials a keyring links (KEYCTL_READ on a keyring: an array of
// key_serial_t). Empty when it cannot be read.
std::vector<int32_t> ring_links(int32_t ring) {
  void* buf = nullptr;
  long n = keyctl_read_alloc(ring, &buf);
  std::vector<int32_t> out;
  if (n > 0) {
    out.resize(static_cast<size_t>(n) / sizeof(int32_t));
    std::memcpy(out.data(), buf, out.size() * sizeof(int32_t));
  }
  std::free(buf);
  return out;
}

std::optional<KeyInfo> describe(int32_t serial, int& err) {
  char* buf = nullptr;
  int n = keyctl_describe_alloc(serial, &buf);
  if (n < 0) {
    err = errno;
    return std::nullopt;
  }
  err = 0;
  auto k = parse_key_describe(serial, std::string_view(buf, static_cast<size_t>(n) > 0 ? std::strlen(buf) : 0));
  std::free(buf);
  return k;
}

// Breadth first from the roots: the first keyring that links target.
std::optional<int32_t> find_holder(const std::vector<int32_t>& roots, int32_t target) {
  std::deque<int32_t> todo(roots.begin(), roots.end());
  std::set<int32_t> seen;
  while (!todo.empty() && seen.size() < kMaxRingWalk) {
    int32_t ring = todo.front();
    todo.pop_front();
    if (ring == 0 || !seen.insert(ring).second) continue;
    for (int32_t child : ring_links(ring)) {
      if (child == target) return ring;
      int e = 0;
      if (auto d = describe(child, e); d && d->type == "keyring") todo.push_back(child);
    }
  }
  return std::nullopt;
}

ProcessKeyring process_ring(const char* spec, int32_t id) {
  ProcessKeyring r{spec};
  key_serial_t s = keyctl_get_keyring_ID(id, 0);
  if (s < 0) {
    r.err = errno;
    return r;
  }
  r.serial = s;
  int e = 0;
  if (auto d = describe(s, e)) r.description = d->description;
  for (int32_t c : ring_links(s))
    if (auto d = describe(c, e); d && d->type == "keyring") r.links.push_back(c);
  return r;
}

// Runs body in a forked child that writes its answer to out and _exits;
// returns what it wrote and its wait status. The probes that may be killed
// (a seccomp KILL action) or that change credentials run this way.
struct ChildResult {
  std::string text;
  int status = 0;
  int err = 0;  // pipe or fork failed
};
ChildResult run_child(const std::function<void(int out)>& body) {
  ChildResult r;
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return r.err = errno, r;
  UniqueFd rd(p[0]), wr(p[1]);
  pid_t child = ::fork();
  if (child < 0) return r.err = errno, r;
  if (child == 0) {
    body(wr.get());
    ::_exit(0);
  }
  wr.reset();
  char buf[1024];
  for (ssize_t n; (n = ::read(rd.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    r.text.append(buf, static_cast<size_t>(n));
  }
  while (::waitpid(child, &r.status, 0) < 0 && errno == EINTR) {
  }
  return r;
}

// Harmless calls that fail with EINVAL/EOPNOTSUPP once past seccomp: an
// empty key type is refused by key_get_type_from_user(), an unknown keyctl
// operation by keyctl's switch (security/keys/keyctl.c). They run in a
// forked child: a filter whose action kills (systemd's SystemCallFilter=
// default) must not kill the probe.
KeySyscalls probe_syscalls() {
  KeySyscalls k;
  ChildResult r = run_child([](int out) {
    auto err_of = [](long rc) { return rc < 0 ? errno : 0; };
    int errs[3] = {err_of(::syscall(SYS_keyctl, 0x7fff, 0, 0, 0, 0)),
                   err_of(::syscall(SYS_add_key, "", "x", nullptr, 0, KEY_SPEC_PROCESS_KEYRING)),
                   err_of(::syscall(SYS_request_key, "", "x", nullptr, 0))};
    [[maybe_unused]] ssize_t w = ::write(out, errs, sizeof errs);
  });
  if (r.err != 0) return k;
  k.probed = true;
  if (WIFSIGNALED(r.status)) k.killed_by = WTERMSIG(r.status);
  int errs[3] = {};
  if (r.text.size() == sizeof errs) {
    std::memcpy(errs, r.text.data(), sizeof errs);
    k.keyctl_err = errs[0], k.add_key_err = errs[1], k.request_key_err = errs[2];
  }
  return k;
}

struct SpecName {
  const char* spec;
  int32_t id;
};
constexpr SpecName kSpecs[] = {{"@t", KEY_SPEC_THREAD_KEYRING},
                               {"@p", KEY_SPEC_PROCESS_KEYRING},
                               {"@s", KEY_SPEC_SESSION_KEYRING},
                               {"@u", KEY_SPEC_USER_KEYRING},
                               {"@us", KEY_SPEC_USER_SESSION_KEYRING}};

// The kernel's own order (security/keys/process_keys.c:
// search_cred_keyrings_rcu: thread, process, session), then the user
// keyring by name, which a search through the session reaches only when
// the session keyring links it.
std::vector<std::string> search_order(const std::string& ring) {
  if (!ring.empty()) return {ring};
  return {"@t", "@p", "@s", "@u"};
}

void search_key(KeyProbe& k, const std::vector<std::string>& rings) {
  for (const auto& ring : rings) {
    auto id = parse_keyring_spec(ring);
    for (const char* type : {"user", "logon"}) {
      KeySearch s{ring, type};
      long rc = id ? keyctl_search(*id, type, k.desc.c_str(), 0) : (errno = EINVAL, -1);
      if (rc >= 0) s.found = static_cast<int32_t>(rc);
      else s.err = errno;
      k.searches.push_back(s);
    }
  }
}

const KeyInfo* proc_entry(const std::vector<KeyInfo>& all, int32_t serial) {
  for (const auto& k : all)
    if (k.serial == serial) return &k;
  return nullptr;
}

void fill_found(KeyProbe& k, const std::vector<KeyInfo>& all, const std::vector<int32_t>& roots) {
  int32_t id = 0;
  for (const auto& s : k.searches)
    if (s.found != 0 && id == 0) id = s.found;
  if (id != 0) {
    k.key = describe(id, k.describe_err);
    if (k.key) {
      if (const KeyInfo* p = proc_entry(all, id)) k.key->flags = p->flags, k.key->timeout = p->timeout;
    } else if (const KeyInfo* p = proc_entry(all, id)) {
      k.key = *p;
    }
    // Length only: permission and type checks run, no payload is copied.
    k.read_err = keyctl_read(id, nullptr, 0) < 0 ? errno : 0;
    k.holder = find_holder(roots, id);
    int e = 0;
    if (k.holder)
      if (auto d = describe(*k.holder, e)) k.holder_desc = d->description;
  }
  std::vector<int32_t> all_rings;
  for (const auto& x : all)
    if (x.type == "keyring") all_rings.push_back(x.serial);
  for (const auto& x : all) {
    if (x.description != k.desc || x.serial == id) continue;
    // An expired or revoked key the search skipped: it is "the" key.
    if (id == 0 && !k.key && (x.type == "user" || x.type == "logon") && (key_expired(x) || key_revoked(x))) {
      k.key = x;
      continue;
    }
    k.elsewhere.push_back(x);
    k.elsewhere_holders.push_back(find_holder(all_rings, x.serial).value_or(0));
  }
}

KeyProbe probe_key(const std::string& desc, const std::string& ring, const std::vector<KeyInfo>& all,
                   const std::vector<int32_t>& roots) {
  KeyProbe k{desc, ring};
  search_key(k, search_order(ring));
  fill_found(k, all, roots);
  return k;
}

// ---- the helper for another process (root) ----

// Takes the subject's gids and uid inside its user namespace (joined
// first), so that @u is the subject's user keyring there
// (security/keys/process_keys.c: look_up_user_keyrings uses the cred's
// user and user namespace). Returns an errno, 0 on success.
int become(const LiveSubject& live) {
  const Subject& s = live.subject;
  if (s.own_user_ns) {
    UniqueFd ns(::openat(live.proc_dir.get(), "ns/user", O_RDONLY | O_CLOEXEC));
    if (!ns || ::setns(ns.get(), CLONE_NEWUSER) != 0) return errno;
  }
  auto uid = id_inside(s.uid_map, s.uid.fs);
  auto gid = id_inside(s.gid_map, s.gid.fs);
  if (!uid || !gid) return EOVERFLOW;
  std::vector<gid_t> groups;
  for (uint32_t g : s.groups)
    if (auto in = id_inside(s.gid_map, g)) groups.push_back(*in);
  // setgroups() is refused in a namespace whose setgroups file says deny;
  // the group byte of a key's permissions is then judged without them.
  if (::setgroups(groups.size(), groups.data()) != 0 && errno != EPERM) return errno;
  if (::setresgid(*gid, *gid, *gid) != 0) return errno;
  if (::setresuid(*uid, *uid, *uid) != 0) return errno;
  // An empty session keyring of its own: without one, the helper would
  // fall back to the uid's user-session keyring, which links @u, and
  // possess the key - an answer about a session the subject may not have.
  // (It is charged to the uid's quota until the helper exits.)
  if (keyctl_join_session_keyring(nullptr) < 0) return errno;
  return 0;
}

// One line per field: "err N", "found N", "describe TEXT", "read N".
void helper_child(const LiveSubject& live, const std::string& desc, int out) {
  std::string msg;
  if (int e = become(live); e != 0) {
    msg = "err " + std::to_string(e) + "\n";
  } else {
    long id = keyctl_search(KEY_SPEC_USER_KEYRING, "user", desc.c_str(), 0);
    if (id < 0) id = keyctl_search(KEY_SPEC_USER_KEYRING, "logon", desc.c_str(), 0);
    if (id < 0) {
      msg = "search " + std::to_string(errno) + "\n";
    } else {
      msg = "found " + std::to_string(id) + "\n";
      char* buf = nullptr;
      if (keyctl_describe_alloc(static_cast<key_serial_t>(id), &buf) >= 0) msg += "describe " + std::string(buf) + "\n";
      std::free(buf);
      long rc = keyctl_read(static_cast<key_serial_t>(id), nullptr, 0);
      msg += "read " + std::to_string(rc < 0 ? errno : 0) + "\n";
    }
  }
  // A short write leaves the parent with less to parse: it reports that.
  [[maybe_unused]] ssize_t w = ::write(out, msg.data(), msg.size());
}

int field_int(std::string_view v) {
  int n = 0;
  std::from_chars(v.data(), v.data() + v.size(), n);
  return n;
}

void parse_helper(KeyProbe& k, std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) continue;
    std::string_view key = line.substr(0, sp), v = line.substr(sp + 1);
    if (key == "err") k.helper_error = "taking the subject's credentials: " + errno_name(field_int(v));
    if (key == "search") k.searches.push_back({"@u", "user", 0, field_int(v)});
    if (key == "found") k.searches.push_back({"@u", "user", field_int(v), 0});
    if (key == "describe" && !k.searches.empty()) k.key = parse_key_describe(k.searches.back().found, v);
    if (key == "read") k.read_err = field_int(v);
  }
  if (k.searches.empty() && k.helper_error.empty()) k.helper_error = "the helper reported nothing";
}

KeyProbe probe_key_as(const LiveSubject& live, const std::string& desc) {
  KeyProbe k{desc, "@u"};
  k.via_helper = true;
  ChildResult r = run_child([&](int out) { helper_child(live, desc, out); });
  if (r.err != 0) {
    k.helper_error = Error{r.err, "starting the helper"}.message();
    return k;
  }
  parse_helper(k, r.text);
  return k;
}

}  // namespace

KeyringFacts gather_keyring(const LiveSubject& live, const std::vector<std::string>& descs) {
  KeyringFacts f;
  const Subject& s = live.subject;
  read_proc("/proc/keys", f.proc_keys_err);
  f.proc_keys = f.proc_keys_err == 0;
  f.fsuid = s.uid.fs;
  f.own_user_ns = s.own_user_ns;
  f.limits = read_limits(f.limits_err);
  // Subject ids are kernel ids as the initial namespace sees them, and
  // /proc/key-users lists every kuid mapped in the reader's namespace.
  f.quota = quota_line(f.fsuid);
  if (::geteuid() != 0) {
    for (const auto& d : descs) {
      KeyProbe k{d, "@u"};
      k.helper_error = "searching another process's keyrings needs root (its uid and namespace are taken)";
      f.keys.push_back(k);
    }
    return f;
  }
  for (const auto& d : descs) f.keys.push_back(probe_key_as(live, d));
  return f;
}

std::optional<int32_t> parse_keyring_spec(std::string_view spec) {
  for (const auto& s : kSpecs)
    if (spec == s.spec) return s.id;
  int32_t id = 0;
  auto [p, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), id);
  if (ec != std::errc() || p != spec.data() + spec.size() || id <= 0) return std::nullopt;
  return id;
}

KeyringFacts gather_keyring_self(const std::vector<std::string>& descs, const std::string& ring) {
  KeyringFacts f;
  f.self = true;
  std::string keys_text = read_proc("/proc/keys", f.proc_keys_err);
  f.proc_keys = f.proc_keys_err == 0;
  f.syscalls = probe_syscalls();
  f.fsuid = static_cast<uint32_t>(::geteuid());  // fsuid follows euid unless setfsuid() was used
  f.limits = read_limits(f.limits_err);
  f.quota = quota_line(f.fsuid);
  // keyctl refused (or fatal) under a filter: ask nothing more of it.
  if (f.syscalls.killed_by != 0 || f.syscalls.keyctl_err == EPERM || f.syscalls.keyctl_err == ENOSYS) {
    for (const auto& d : descs) f.keys.push_back(KeyProbe{d, ring});
    return f;
  }
  std::vector<int32_t> roots;
  for (const auto& s : kSpecs) {
    f.rings.push_back(process_ring(s.spec, s.id));
    if (f.rings.back().serial != 0) roots.push_back(f.rings.back().serial);
  }
  auto all = parse_proc_keys(keys_text);
  for (const auto& d : descs) f.keys.push_back(probe_key(d, ring, all, roots));
  return f;
}

Result<int32_t> find_key(const std::string& desc, const std::string& ring) {
  int last = ENOKEY;
  for (const auto& r : search_order(ring)) {
    auto id = parse_keyring_spec(r);
    if (!id) return make_error(EINVAL, "keyring \"" + r + "\"");
    long rc = keyctl_search(*id, "user", desc.c_str(), 0);
    if (rc >= 0) return static_cast<int32_t>(rc);
    // ENOKEY: not in this one (or the keyring does not exist yet).
    if (errno != ENOKEY) last = errno;
  }
  return make_error(last, "searching for key \"" + desc + "\"");
}

Result<Secret> read_key_payload(int32_t serial) {
  // The payload is read into secure memory directly: never a malloc'd copy
  // (keyctl_read_alloc's) that would need wiping.
  Secret buf(4096);
  for (int tries = 0; tries < 4; ++tries) {
    long n = keyctl_read(serial, reinterpret_cast<char*>(buf.data()), buf.size());
    if (n < 0) return errno_error("reading key " + std::to_string(serial));
    if (static_cast<size_t>(n) <= buf.size()) {
      buf.truncate(static_cast<size_t>(n));
      return buf;
    }
    buf = Secret(static_cast<size_t>(n));  // grew meanwhile: try again with its size
  }
  return make_error(EAGAIN, "reading key " + std::to_string(serial) + ": its size keeps changing");
}

}  // namespace probe
