// probe::resolve_access over a small file system, subject and path decoded
// from the fuzz bytes (every byte string decodes to something; see decode_*
// below). It must terminate without crashing, and the Walk must keep the
// promises access.hpp makes. FUZZ_RESOLVE_DUMP=1 prints the decoded case
// and its walk.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "probe/access.hpp"
#include "probe/caps.hpp"

namespace {

using probe::StepResult;

// Reads the input front to back; past the end every byte is 0.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>(byte() | byte() << 8); }
  template <class T, size_t N>
  const T& pick(const T (&table)[N]) { return table[byte() % N]; }

 private:
  const uint8_t* data_;
  size_t size_, pos_ = 0;
};

constexpr uint32_t kIds[] = {0, 1, 27, 1000, 1001, 65534, 100000};  // ascending
constexpr uint32_t kTypes[] = {S_IFDIR, S_IFDIR, S_IFREG, S_IFLNK, S_IFLNK, S_IFIFO, S_IFCHR, S_IFSOCK};
constexpr int kLookupErrs[] = {EIO, EACCES, EPERM, ENOENT, ELOOP};
const std::string kLongName(probe::kNameMax + 1, 'x');
const std::string kTokens[] = {"a", "b", "c", "d", "..", ".", "", kLongName};
const char* const kNames[] = {"a", "b", "c", "d"};

struct Case {
  probe::Subject subject;
  probe::SystemFacts sys;
  std::map<std::string, probe::Inode> nodes;  // also what MapFs holds
  std::map<std::string, int> fails;
  std::vector<std::string> dirs;  // the directories among nodes
  std::string path;
};

// One path as written. hdr bit 0: absolute; bits 5-7: 7 for up to 23 raw
// bytes, 6 for "a/a/..." of PATH_MAX - 2 .. PATH_MAX + 1 bytes, else bits
// 2-4 tokens joined by '/', with a trailing '/' when bit 1 is set.
std::string decode_path(Bytes& in) {
  uint8_t hdr = in.byte();
  std::string p = hdr & 1 ? "/" : "";
  if (hdr >> 5 == 7) {
    for (int n = in.byte() % 24; n > 0; --n) p += static_cast<char>(in.byte());
  } else if (hdr >> 5 == 6) {
    p.resize(probe::kPathMax - 2 + (hdr >> 1 & 3), 'a');
    for (size_t i = 2; i < p.size(); i += 2) p[i - 1] = '/';
  } else {
    for (int n = hdr >> 2 & 7; n > 0; --n) p += in.pick(kTokens) + "/";
    if (!(hdr & 2) && p.size() > 1) p.pop_back();
  }
  return p;
}

// A valid access ACL (posix_acl_valid()): named entries from bitmasks over
// kIds, a mask when any is named (or perms bit 6 asks for one); the mode's
// rwx bits follow it as the kernel keeps them.
probe::Acl decode_acl(Bytes& in, uint32_t& mode) {
  using probe::AclTag;
  probe::Acl acl;
  uint8_t users = in.byte() & 0x7F, groups = in.byte() & 0x7F, perms = in.byte();
  auto perm = [&] { return static_cast<uint16_t>(in.byte() & 7); };
  auto group_obj = static_cast<uint16_t>(perms >> 3 & 7);
  acl.entries.push_back({AclTag::UserObj, static_cast<uint16_t>(perms & 7)});
  for (size_t k = 0; k < std::size(kIds); ++k)
    if (users >> k & 1) acl.entries.push_back({AclTag::User, perm(), kIds[k]});
  acl.entries.push_back({AclTag::GroupObj, group_obj});
  for (size_t k = 0; k < std::size(kIds); ++k)
    if (groups >> k & 1) acl.entries.push_back({AclTag::Group, perm(), kIds[k]});
  if (users || groups || perms & 0x40) acl.entries.push_back({AclTag::Mask, perm()});
  acl.entries.push_back({AclTag::Other, perm()});
  // posix_acl_chmod() in reverse: the group bits show the mask if any.
  uint32_t group = acl.mask() ? acl.mask()->perm : group_obj;
  mode = (mode & ~0777U) | uint32_t{acl.entries[0].perm} << 6 | group << 3 | acl.entries.back().perm;
  return acl;
}

probe::Inode decode_inode(Bytes& in, uint32_t type) {
  probe::Inode inode;
  inode.mode = type | (in.u16() & 07777);
  inode.uid = in.pick(kIds);
  inode.gid = in.pick(kIds);
  if (in.byte() & 1) inode.acl = decode_acl(in, inode.mode);
  if (inode.is_link()) inode.link_target = decode_path(in);
  return inode;
}

// The root directory, then up to 11 nodes each beneath a directory already
// made, then up to 2 paths whose lookup fails with an errno.
void decode_fs(Bytes& in, Case& c) {
  c.dirs = {"/"};
  c.nodes["/"] = decode_inode(in, S_IFDIR);
  for (int n = in.byte() % 12; n > 0; --n) {
    std::string parent = c.dirs[in.byte() % c.dirs.size()];
    std::string abs = (parent == "/" ? "/" : parent + "/") + in.pick(kNames);
    probe::Inode inode = decode_inode(in, in.pick(kTypes));
    bool dir = inode.is_dir();
    if (c.nodes.emplace(abs, std::move(inode)).second && dir) c.dirs.push_back(abs);  // first wins
  }
  for (int n = in.byte() % 3; n > 0; --n) {
    auto it = std::next(c.nodes.begin(), static_cast<long>(in.byte() % c.nodes.size()));
    c.fails[it->first] = in.pick(kLookupErrs);
  }
}

// flags: bits 0-1 DAC_OVERRIDE / DAC_READ_SEARCH effective, bits 2-3 only
// permitted, bit 4 a user namespace mapping 100000.. as 0..65535, bit 5
// fs.protected_symlinks. The cwd is one of the directories.
void decode_subject(Bytes& in, Case& c) {
  probe::Subject& s = c.subject;
  s.uid.fs = in.pick(kIds);
  s.gid.fs = in.pick(kIds);
  for (int n = in.byte() % 4; n > 0; --n) s.groups.push_back(in.pick(kIds));
  uint8_t flags = in.byte();
  for (int k = 0; k < 2; ++k) {
    int cap = k == 0 ? probe::kCapDacOverride : probe::kCapDacReadSearch;
    bool effective = flags >> k & 1, permitted = flags >> (k + 2) & 1;
    // The kernel keeps effective a subset of permitted.
    if (effective) s.caps.effective |= probe::cap_bit(cap);
    if (effective || permitted) s.caps.permitted |= probe::cap_bit(cap);
  }
  if (flags & 16) s.uid_map = s.gid_map = {probe::IdMapRange{0, 100000, 65536}};
  c.sys.protected_symlinks = flags & 32;
  // A cwd is a directory (resolve_access() takes that on trust).
  s.cwd = c.dirs[in.byte() % c.dirs.size()];
}

Case decode(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  Case c;
  decode_fs(in, c);
  decode_subject(in, c);
  c.path = decode_path(in);
  return c;
}

void dump(const Case& c) {
  const probe::Subject& s = c.subject;
  std::fprintf(stderr, "subject fsuid=%u fsgid=%u groups=%zu eff=%#llx prm=%#llx userns=%d cwd=%s\n",
               s.uid.fs, s.gid.fs, s.groups.size(), static_cast<unsigned long long>(s.caps.effective),
               static_cast<unsigned long long>(s.caps.permitted), s.uid_map.size() == 1 && s.uid_map[0].outside != 0,
               s.cwd.c_str());
  std::fprintf(stderr, "protected_symlinks=%d\n", c.sys.protected_symlinks);
  for (const auto& [abs, i] : c.nodes)
    std::fprintf(stderr, "node %s %s %u:%u%s%s%s\n", abs.c_str(), probe::mode_string(i).c_str(), i.uid, i.gid,
                 i.acl ? (" acl=" + probe::acl_to_short_text(*i.acl)).c_str() : "",
                 i.is_link() ? " -> " : "", i.link_target.c_str());
  for (const auto& [abs, err] : c.fails) std::fprintf(stderr, "fail %s errno=%d\n", abs.c_str(), err);
  std::fprintf(stderr, "path \"%s\" (%zu bytes)\n", c.path.substr(0, 200).c_str(), c.path.size());
}

void dump(const probe::Walk& w) {
  for (const auto& st : w.steps)
    std::fprintf(stderr, "  %s %s \"%s\": %s%s\n", probe::need_name(st.need), st.path.c_str(), st.via.c_str(),
                 probe::step_result_name(st.result), st.primary ? " (primary)" : "");
  std::fprintf(stderr, "verdict %s err=%d links=%d\n", probe::verdict_name(w.verdict), w.err, w.links_followed);
}

// "/" or "/a/b": no empty, "." or ".." component, no trailing '/'.
bool canonical(const std::string& p) {
  if (p.empty() || p[0] != '/') return false;
  if (p == "/") return true;
  for (size_t i = 1, j; i <= p.size(); i = j + 1) {
    j = std::min(p.find('/', i), p.size());
    std::string_view comp(p.data() + i, j - i);
    if (comp.empty() || comp == "." || comp == "..") return false;
  }
  return true;
}

int err_of(StepResult r) {
  switch (r) {
    case StepResult::Denied: return EACCES;
    case StepResult::Missing: return ENOENT;
    case StepResult::NotDir: return ENOTDIR;
    case StepResult::Loop: return ELOOP;
    case StepResult::NameTooLong: return ENAMETOOLONG;
    case StepResult::NoOpen: return ENXIO;
    default: return 0;
  }
}

// The errno is the primary step's, and only a failure is primary.
void check_err(const probe::Walk& w) {
  FUZZ_CHECK(w.err == 0 || w.err == EACCES || w.err == ENOENT || w.err == ENOTDIR || w.err == ELOOP ||
             w.err == ENAMETOOLONG || w.err == ENXIO);
  int primaries = 0;
  for (const auto& st : w.steps) {
    if (!st.primary) continue;
    ++primaries;
    FUZZ_CHECK(err_of(st.result) == w.err);
  }
  FUZZ_CHECK(primaries == (w.err != 0 ? 1 : 0));
  // reserve_stack(): the 41st link is ELOOP, and ends the walk.
  bool loop = std::any_of(w.steps.begin(), w.steps.end(),
                          [](const probe::Step& st) { return st.result == StepResult::Loop; });
  FUZZ_CHECK(w.links_followed >= 0 && w.links_followed <= probe::kMaxSymlinks + 1);
  FUZZ_CHECK(loop == (w.links_followed == probe::kMaxSymlinks + 1));
  if (w.err == ELOOP) FUZZ_CHECK(loop);
}

void check_verdict(const probe::Walk& w) {
  bool unknown = false;
  for (size_t i = 0; i < w.steps.size(); ++i)
    if (w.steps[i].result == StepResult::Unknown) {
      unknown = true;
      FUZZ_CHECK(i + 1 == w.steps.size());  // the walk stops where it cannot look
      FUZZ_CHECK(w.steps[i].lookup_err != 0 && w.steps[i].lookup_err != ENOENT);
    }
  auto expect = w.err == 0 ? (unknown ? probe::Verdict::Unknown : probe::Verdict::Allowed)
                : w.err == EACCES || w.err == ENXIO ? probe::Verdict::Denied : probe::Verdict::Missing;
  FUZZ_CHECK(w.verdict == expect);
  // A layer says no exactly for EACCES; a socket's ENXIO is no layer's.
  FUZZ_CHECK((w.err == EACCES) == (w.denied_by != probe::Layer::None));
  if (w.verdict != probe::Verdict::Allowed) return;
  for (const auto& st : w.steps) FUZZ_CHECK(st.result == StepResult::Ok);
  const probe::Step& last = w.steps.back();
  FUZZ_CHECK(last.inode && !last.inode->is_link() && w.resolved == last.path);
  FUZZ_CHECK(last.need == (last.inode->is_dir() ? probe::Need::List : probe::Need::Read));
  FUZZ_CHECK(w.target_not_regular == (!last.inode->is_reg() && !last.inode->is_dir()));
}

// A permission decision says why, and says it the same when asked again.
void check_decision(const probe::Subject& s, const probe::Step& st) {
  if (st.need == probe::Need::Follow || !st.inode) return;
  if (st.result != StepResult::Ok && st.result != StepResult::Denied) return;
  const probe::PermDecision& d = st.decision;
  unsigned want = st.need == probe::Need::Search ? probe::kMayExec : probe::kMayRead;
  FUZZ_CHECK(d.allowed == (st.result == StepResult::Ok));
  FUZZ_CHECK(d.allowed == probe::check_permission(s, *st.inode, want).allowed);
  FUZZ_CHECK(d.allowed == (d.dac_allowed || d.cap_used >= 0));
  FUZZ_CHECK(!(d.dac_allowed && d.cap_used >= 0));
  if (d.cap_used >= 0) FUZZ_CHECK(probe::has_cap(s.caps.effective, d.cap_used));
}

void check_steps(const Case& c, const probe::Walk& w) {
  FUZZ_CHECK(!w.steps.empty() && w.path == c.path);
  bool getname_failed = c.path.empty() || c.path.size() >= probe::kPathMax;
  for (const auto& st : w.steps) {
    if (!getname_failed) FUZZ_CHECK(canonical(st.path));
    if (st.need == probe::Need::Follow && st.result == StepResult::Denied)
      FUZZ_CHECK(c.sys.protected_symlinks);
    check_decision(c.subject, st);
  }
}

std::string summary(const probe::Walk& w) {
  std::string s = std::to_string(w.err) + probe::verdict_name(w.verdict) + w.resolved;
  for (const auto& st : w.steps) s += "|" + st.path + st.via + probe::step_result_name(st.result);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Case c = decode(data, size);
  static const bool verbose = std::getenv("FUZZ_RESOLVE_DUMP") != nullptr;
  if (verbose) dump(c);
  probe::MapFs fs;
  for (const auto& [abs, inode] : c.nodes) fs.add(abs, inode);
  for (const auto& [abs, err] : c.fails) fs.fail(abs, err);
  probe::Walk w = probe::resolve_access(c.subject, fs, c.sys, c.path);
  if (verbose) dump(w);
  check_err(w);
  check_verdict(w);
  check_steps(c, w);
  FUZZ_CHECK(summary(probe::resolve_access(c.subject, fs, c.sys, c.path)) == summary(w));
  return 0;
}
