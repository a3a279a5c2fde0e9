// The keyring probe: can this process get at the key that holds its config's
// identity? Kernel key support, the per-uid quota, the process's own
// keyrings (thread, process, session, user via the session), the named key's
// type, permissions, expiry and revocation, and the classic failures: a key
// added in another session keyring, keyrings being per user namespace, the
// keyring syscalls blocked by seccomp.
//
// gather_keyring*() are the only parts that touch the system (libkeyutils,
// /proc/keys, /proc/key-users, /proc/sys/kernel/keys) and never fail: what
// they could not learn is an errno. Everything else is pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/finding.hpp"
#include "probe/result.hpp"
#include "probe/secret.hpp"
#include "probe/subject.hpp"

namespace probe {

struct SeccompFacts;

// include/linux/key.h: KEY_{POS,USR,GRP,OTH}_* are one byte each, possessor
// in the top byte, other in the lowest.
inline constexpr uint32_t kKeyView = 0x01, kKeyRead = 0x02, kKeyWrite = 0x04, kKeySearch = 0x08, kKeyLink = 0x10,
                          kKeySetattr = 0x20;
enum class KeyPermClass { Possessor, User, Group, Other };

// The byte of perm for one class.
uint32_t key_perm_bits(uint32_t perm, KeyPermClass c);
// "view read write search link setattr" (words, "none" when 0).
std::string key_perm_words(uint32_t bits);
// "possessor: view read ...; user: view; group: none; other: none".
std::string describe_key_perm(uint32_t perm);

// One key as /proc/keys or keyctl_describe shows it.
struct KeyInfo {
  int32_t serial = 0;
  std::string type, description;
  uint32_t uid = 0, gid = 0, perm = 0;
  std::string flags;    // /proc/keys: "I--Q---" (I instantiated, R revoked, D dead, ...)
  std::string timeout;  // /proc/keys: "perm", "expd", "59s", "3h"; "" when unknown
  bool operator==(const KeyInfo&) const = default;
};

// /proc/keys (security/keys/proc.c: proc_keys_show) parsed; lines that do
// not parse are skipped.
std::vector<KeyInfo> parse_proc_keys(std::string_view text);
// keyctl_describe(): "type;uid;gid;perm;description" (perm in hex).
std::optional<KeyInfo> parse_key_describe(int32_t serial, std::string_view text);
bool key_revoked(const KeyInfo& k);  // flag R
bool key_expired(const KeyInfo& k);  // timeout "expd"

// One line of /proc/key-users (security/keys/proc.c: proc_key_users_show).
struct KeyUserQuota {
  uint32_t uid = 0;
  uint32_t keys = 0, max_keys = 0;    // qnkeys / maxkeys
  uint32_t bytes = 0, max_bytes = 0;  // qnbytes / maxbytes
};
std::vector<KeyUserQuota> parse_key_users(std::string_view text);

// /proc/sys/kernel/keys/*.
struct KeyQuotaLimits {
  uint32_t maxkeys = 200, maxbytes = 20000, root_maxkeys = 1000000, root_maxbytes = 25000000;
};

// A process's own keyring ("@t" thread, "@p" process, "@s" session, "@u"
// user, "@us" user session) and whether it exists (err ENOKEY: not yet).
struct ProcessKeyring {
  std::string spec;
  int32_t serial = 0;
  int err = 0;
  std::string description;  // "_ses", "_uid.1000", "_uid_ses.1000", "_pid", "_tid"
  std::vector<int32_t> links;  // keyrings it links directly (KEYCTL_READ), for "@s links @u"
};

// keyctl_search(ring, type, DESC) in one of the process's keyrings.
struct KeySearch {
  std::string ring;  // "@t", "@p", "@s", "@u", or a keyring id
  std::string type;  // "user", "logon"
  int32_t found = 0;
  int err = 0;       // ENOKEY, EKEYEXPIRED, EKEYREVOKED, EACCES, EPERM, ENOSYS ...
};

// Everything known about one key description, for one subject.
struct KeyProbe {
  std::string desc;
  std::string keyring;               // --keyring: "" = the process's keyrings
  std::vector<KeySearch> searches;   // in the order tried
  std::optional<KeyInfo> key;        // the key the searches found (described)
  int describe_err = 0;
  int read_err = 0;                  // keyctl_read(id, NULL, 0): 0 = readable
  std::optional<int32_t> holder;     // the keyring that links the key directly
  std::string holder_desc;
  std::vector<KeyInfo> elsewhere;    // /proc/keys: same description, not reached
  std::vector<int32_t> elsewhere_holders;  // parallel: the keyring linking it, 0 unknown
  // For a subject other than self (a root helper with its credentials):
  // only its user keyring can be searched.
  bool via_helper = false;
  std::string helper_error;
};

// Which keyring syscalls fail, and how.
struct KeySyscalls {
  int keyctl_err = 0, add_key_err = 0, request_key_err = 0;  // probed harmlessly (self)
  bool probed = false;
  int killed_by = 0;  // the probe (a forked child) died of this signal: a KILL/TRAP filter
};

struct KeyringFacts {
  bool self = false;                 // the inspector is the subject
  bool proc_keys = false;            // /proc/keys exists: CONFIG_KEYS
  int proc_keys_err = 0;
  KeySyscalls syscalls;
  uint32_t fsuid = 0;                // the subject's fsuid: owner of keys it adds
  bool own_user_ns = false;
  std::optional<KeyUserQuota> quota; // its /proc/key-users line, if it owns keys
  KeyQuotaLimits limits;
  int limits_err = 0;
  std::vector<ProcessKeyring> rings; // self: @t @p @s @u @us
  std::vector<KeyProbe> keys;
};

// ---- gather ----

// This process: syscalls, quota, its keyrings, and each DESC.
// ring: "" for the process's keyrings (thread, process, session, user),
// or "@s", "@u", "@p", "@t", "@us", a decimal keyring id.
KeyringFacts gather_keyring_self(const std::vector<std::string>& descs, const std::string& ring = "");
// Another process: quota, user namespace. As root with keys given, a forked
// helper takes its uid/gids (and joins its user namespace) to search its
// user keyring; its session keyring cannot be inspected from outside.
KeyringFacts gather_keyring(const LiveSubject& live, const std::vector<std::string>& descs);
// One DESC, cheaply (for --wait polling): the key id if it can be found,
// or the errno (ENOKEY while it is not there).
Result<int32_t> find_key(const std::string& desc, const std::string& ring);
// Reads a key's payload straight into secure memory (never an unlocked copy).
Result<Secret> read_key_payload(int32_t serial);
// "@s" -> KEY_SPEC_SESSION_KEYRING, "123" -> 123; nothing for other text.
std::optional<int32_t> parse_keyring_spec(std::string_view spec);

// ---- explain (pure) ----

// security/keys/key.c: key_alloc() charges each key to its owner's uid:
// GLOBAL_ROOT_UID has root_maxkeys/root_maxbytes, everyone else
// maxkeys/maxbytes.
KeyUserQuota quota_for(uint32_t uid, const std::optional<KeyUserQuota>& line, const KeyQuotaLimits& lim);
// Would one more key of desc_len + payload_len bytes fit?
// (key_alloc: quotalen = desclen + 1 + datalen; qnkeys + 1 > maxkeys or
// qnbytes + quotalen > maxbytes is EDQUOT)
bool quota_fits(const KeyUserQuota& q, size_t desc_len, size_t payload_len);

// security/keys/permission.c: key_task_permission(): the user byte if the
// fsuid owns the key, else the group byte if the key's gid is the fsgid or a
// supplementary group, else the other byte; the possessor byte is added
// when the key is possessed.
uint32_t key_granted(const KeyInfo& k, uint32_t fsuid, uint32_t fsgid, const std::vector<uint32_t>& groups,
                     bool possessed);

enum class KeyState {
  Readable,        // found, readable: decrypt can use it
  NotFound,        // nowhere this subject can see
  OtherSession,    // exists (in /proc/keys) but not in this process's keyrings
  UserNotLinked,   // in @u, but the session keyring does not link @u and user perms lack read
  Logon,           // a logon key: never readable from user space
  WrongType,       // the description exists with another type
  NoRead,          // found but no read permission
  Expired,
  Revoked,
  SyscallBlocked,  // keyctl fails with EPERM/ENOSYS
  NoKernelSupport,
  Unknown,         // not knowable for this subject (another pid, not root)
};
const char* key_state_name(KeyState s);
KeyState classify_key(const KeyringFacts& f, const KeyProbe& k);

// KEY- findings (target -1). subject: for fixes (uid, unit, pid);
// seccomp: the seccomp probe's facts when it ran (its verdict is used for
// the keyring syscalls rather than guessing).
std::vector<Finding> explain_keyring(const Subject& s, const KeyringFacts& f, const SeccompFacts* seccomp);
// The findings for one key only (decrypt prints these when it cannot go on).
std::vector<Finding> explain_key(const Subject& s, const KeyringFacts& f, const KeyProbe& k);

// ---- render ----

// Lines for the subject block ("  keyring  ...\n").
std::string render_text_keyring(const KeyringFacts& f, bool color);

}  // namespace probe
