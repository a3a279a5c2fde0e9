// Random cases: trees that exercise every rule of the path walk, subjects
// from small id pools, paths with the spellings the kernel treats specially.
#include <sys/stat.h>

#include <algorithm>

#include "differential.hpp"
#include "probe/caps.hpp"

namespace probe::difftest {

uint64_t Rng::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {

std::vector<std::string> split(const std::string& p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    if (j > i) out.push_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string join_under(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

std::string dir_of(const std::string& p) {
  size_t slash = p.rfind('/');
  return slash == 0 ? "/" : p.substr(0, slash);
}

// The relative spelling of `to` from directory `from`: "../../d1/f2".
std::string relative(const std::string& from, const std::string& to) {
  auto a = split(from), b = split(to);
  size_t common = 0;
  while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
  std::string out;
  for (size_t i = common; i < a.size(); ++i) out += "../";
  for (size_t i = common; i < b.size(); ++i) out += b[i] + "/";
  if (out.empty()) return ".";
  out.pop_back();
  return out;
}

class Generator {
 public:
  Generator(Rng& rng, bool acls) : rng_(rng), acls_(acls) {}
  Case make();

 private:
  Node& add(const std::string& parent, NodeType type);
  uint32_t dir_mode();
  uint32_t file_mode();
  uint32_t owner_uid();
  void maybe_acl(Node& n);
  void add_random_nodes(size_t n);
  void add_chain();
  void add_loop();
  void add_sticky_dir();
  std::string link_target(const Node& link);
  std::string decorate(std::string target);
  std::string root_spelling() {
    static const std::vector<std::string> spellings = {"/", "//", "/.", "/..", "///"};
    return rng_.pick(spellings);
  }
  SubjectSpec subject();
  IdMap random_map(const std::vector<uint32_t>& pool);
  std::string pick_target(const std::string& cwd);
  std::string path(const std::string& cwd);
  void keep_enterable(Node& dir, const UsernsSpec& ns);
  void place_live(Case& c, const UsernsSpec& ns);
  std::string special_path();
  std::string spell(std::vector<std::string> comps, bool absolute, bool trailing);

  Rng& rng_;
  bool acls_;
  std::vector<Node> nodes_;
  std::vector<std::string> heads_;  // paths worth asking more often
  std::vector<std::string> cwd_heads_;  // the same, beneath the cwd
  int counter_ = 0;
};

Node& Generator::add(const std::string& parent, NodeType type) {
  static const char prefix[] = {'d', 'f', 'l', 'p'};
  Node n;
  n.type = type;
  n.path = join_under(parent, prefix[static_cast<int>(type)] + std::to_string(++counter_));
  n.uid = rng_.pick(kUids);
  n.gid = rng_.pick(kGids);
  n.mode = type == NodeType::Dir ? dir_mode() : type == NodeType::Link ? 0777 : file_mode();
  nodes_.push_back(std::move(n));
  maybe_acl(nodes_.back());
  return nodes_.back();
}

uint32_t Generator::dir_mode() {
  static const std::vector<uint32_t> common = {0755, 0750, 0700, 0711, 0751, 0705, 0777, 0555,
                                               0310, 0070, 0007, 0001, 0000, 0775, 0770, 0111,
                                               0744, 0704, 0644, 0740};  // readable, not searchable
  uint32_t m = rng_.percent(65) ? rng_.pick(common) : static_cast<uint32_t>(rng_.below(01000));
  if (rng_.percent(15)) m |= S_ISGID;
  if (rng_.percent(12)) m |= S_ISVTX;
  return m;
}

uint32_t Generator::file_mode() {
  static const std::vector<uint32_t> common = {0644, 0640, 0600, 0604, 0400, 0440, 0004,
                                               0040, 0000, 0755, 0700, 0222, 0066, 0460};
  uint32_t m = rng_.percent(65) ? rng_.pick(common) : static_cast<uint32_t>(rng_.below(01000));
  if (rng_.percent(8)) m |= S_ISGID;
  if (rng_.percent(5)) m |= S_ISUID;
  if (rng_.percent(3)) m |= S_ISVTX;
  return m;
}

uint32_t Generator::owner_uid() {
  // A uid that owns something in the tree, so the owner class is hit often.
  return rng_.percent(70) ? rng_.pick(nodes_).uid : rng_.pick(kUids);
}

void Generator::maybe_acl(Node& n) {
  if (!acls_ || n.type == NodeType::Link || !rng_.percent(25)) return;
  AclSpec a;
  auto perm = [&] { return static_cast<uint16_t>(rng_.below(8)); };
  for (uint32_t u : kUids)
    if (rng_.percent(25)) a.users.emplace_back(u, perm());
  for (uint32_t g : kGids)
    if (rng_.percent(20)) a.groups.emplace_back(g, perm());
  a.group_obj = perm();
  // A mask of --- turns the ACL off in acl_permission_check (group bits 0).
  a.mask = rng_.percent(20) ? 0 : perm();
  n.mode = (n.mode & ~static_cast<uint32_t>(S_IRWXG)) | (uint32_t{a.mask} << 3);
  n.acl = std::move(a);
}

void Generator::add_random_nodes(size_t n) {
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string> dirs;
    for (const Node& node : nodes_)
      if (node.type == NodeType::Dir) dirs.push_back(node.path);
    size_t t = rng_.below(100);
    NodeType type = t < 35 ? NodeType::Dir : t < 65 ? NodeType::File : t < 95 ? NodeType::Link : NodeType::Fifo;
    add(rng_.pick(dirs), type);
  }
}

// ELOOP comes with link number kMaxSymlinks + 1: chains of exactly 40 and 41
// links are the edge, nested (chain/f) and trailing alike.
void Generator::add_chain() {
  static const std::vector<int> lengths = {40, 41, 40, 41, 39, 42, 3};
  int len = rng_.pick(lengths);
  std::string dir = add("/", NodeType::Dir).path;
  nodes_.back().mode = rng_.percent(80) ? 0755 : 01777;
  nodes_.back().acl.reset();
  bool end_is_dir = rng_.percent(50);
  Node& end = add(dir, end_is_dir ? NodeType::Dir : NodeType::File);
  end.mode = end_is_dir ? 0755 : 0644;
  end.acl.reset();
  std::string end_path = end.path;
  if (end_is_dir) {
    Node& f = add(end_path, NodeType::File);
    f.mode = 0644;
    f.acl.reset();
    end_path = f.path;
  }
  std::string next = dir_of(end_path) == dir ? end_path : dir_of(end_path);
  for (int i = 0; i < len; ++i) {
    Node& l = add(dir, NodeType::Link);
    l.target = rng_.percent(20) ? next : relative(dir, next);
    next = l.path;
  }
  heads_.push_back(next);
  if (end_is_dir) heads_.push_back(next + "/" + end_path.substr(end_path.rfind('/') + 1));
}

void Generator::add_loop() {
  Node& a = add("/", NodeType::Link);
  std::string a_path = a.path;
  Node& b = add("/", NodeType::Link);
  b.target = relative("/", a_path);
  nodes_[nodes_.size() - 2].target = rng_.percent(50) ? b.path : relative("/", b.path);
  heads_.push_back(b.path);
}

// Links owned by others in a sticky world-writable directory: the case
// fs.protected_symlinks is about.
void Generator::add_sticky_dir() {
  static const std::vector<uint32_t> modes = {01777, 01773, 01733, 01757, 01703};
  Node& d = add("/", NodeType::Dir);
  d.mode = rng_.pick(modes);
  d.acl.reset();
  std::string dir = d.path;
  add(dir, NodeType::File);
  size_t links = 2 + rng_.below(3);
  for (size_t i = 0; i < links; ++i) heads_.push_back(add(dir, NodeType::Link).path);
}

std::string Generator::decorate(std::string target) {
  if (rng_.percent(10)) {
    size_t slash = target.find('/', 1);
    if (slash != std::string::npos) target.insert(slash, rng_.percent(50) ? "/." : "/");
  }
  if (rng_.percent(12)) target += "/";
  return target;
}

std::string Generator::link_target(const Node& link) {
  std::string dir = dir_of(link.path);
  size_t k = rng_.below(100);
  if (k < 4) return link.path.substr(dir.size() + (dir == "/" ? 0 : 1));  // itself
  if (k < 8) return rng_.percent(50) ? "." : "..";
  if (k < 16) return rng_.percent(50) ? "nope" : join_under(dir, "nope");  // dangling
  if (k < 17) return std::string(255 + rng_.below(2), 'z');  // NAME_MAX in a body
  if (k < 21) return root_spelling();
  const Node& to = rng_.pick(nodes_);
  if (k < 22) return relative(dir, to.path) + "/x";  // through a file: ENOTDIR
  std::string t = k < 55 ? to.path : relative(dir, to.path);
  return decorate(t);
}

SubjectSpec Generator::subject() {
  SubjectSpec s;
  uint32_t uid = owner_uid();
  uint32_t gid = rng_.percent(60) ? rng_.pick(nodes_).gid : rng_.pick(kGids);
  s.uid = {uid, uid, uid, uid};
  s.gid = {gid, gid, gid, gid};
  // The fs ids decide, not the effective ones (the model must use fs).
  if (rng_.percent(10)) s.uid.fs = rng_.pick(kUids);
  if (rng_.percent(10)) s.gid.fs = rng_.pick(kGids);
  if (rng_.percent(10)) s.uid.real = s.uid.saved = rng_.pick(kUids);
  for (uint32_t g : kGids)
    if (rng_.percent(25)) s.groups.push_back(g);
  for (int cap : {kCapDacOverride, kCapDacReadSearch}) {
    if (rng_.percent(20)) s.effective |= cap_bit(cap);
    if (rng_.percent(20)) s.permitted |= cap_bit(cap);  // some only permitted
  }
  s.permitted |= s.effective;
  if (rng_.percent(25)) {
    UsernsSpec ns;
    ns.uid_map = random_map(kUids);
    ns.gid_map = random_map(kGids);
    ns.setgroups_allow = rng_.percent(50);
    s.userns = std::move(ns);
  }
  return s;
}

// A partial map: some kuids of the pool have no id in the namespace.
IdMap Generator::random_map(const std::vector<uint32_t>& pool) {
  if (rng_.percent(30)) {
    uint32_t start = rng_.pick(pool);
    return {IdMapRange{0, start, static_cast<uint32_t>(1 + rng_.below(3))}};
  }
  IdMap map;
  bool identity = rng_.percent(50);
  for (uint32_t id : pool)
    if (rng_.percent(65)) map.push_back({identity ? id : static_cast<uint32_t>(map.size()), id, 1});
  if (map.empty()) map.push_back({0, rng_.pick(pool), 1});
  return map;
}

std::string Generator::spell(std::vector<std::string> comps, bool absolute, bool trailing) {
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < comps.size(); ++i) {
    if (i > 0) out += rng_.percent(10) ? "//" : "/";
    out += comps[i];
  }
  if (comps.empty()) return absolute ? "/" : ".";
  if (trailing) out += "/";
  return out;
}

std::string Generator::special_path() {
  static const std::vector<std::string> specials = {"/", ".", "..", "", "/..", "./", "//", "/../.."};
  size_t k = rng_.below(100);
  if (k < 50) return rng_.pick(specials);
  std::string dir = rng_.pick(nodes_).path;
  if (k < 75) return join_under(dir, std::string(255 + rng_.below(2), 'z'));  // NAME_MAX edge
  // PATH_MAX edge: 4095 bytes resolve, 4096 are ENAMETOOLONG (getname()).
  std::string p = rng_.pick(nodes_).path;
  size_t len = 4095 + rng_.below(2);
  return std::string(len > p.size() ? len - p.size() : 0, '/') + p;
}

// The node a path names, before its spelling: often one worth asking.
std::string Generator::pick_target(const std::string& cwd) {
  std::string base = !heads_.empty() && rng_.percent(35) ? rng_.pick(heads_) : rng_.pick(nodes_).path;
  std::vector<std::string> in_cwd;  // reached without searching the root
  if (cwd != "/")
    for (const Node& n : nodes_)
      if (n.path.starts_with(cwd + "/")) in_cwd.push_back(n.path);
  if (!in_cwd.empty() && rng_.percent(50)) base = rng_.pick(in_cwd);
  if (!cwd_heads_.empty() && rng_.percent(30)) base = rng_.pick(cwd_heads_);
  if (rng_.percent(8)) base = join_under(base, "nope");
  return base;
}

// Relative paths start at cwd: "../d3/f4" from "/d1".
std::string Generator::path(const std::string& cwd) {
  if (rng_.percent(4)) return special_path();
  std::string base = pick_target(cwd);
  bool absolute = !rng_.percent(cwd == "/" ? 25 : 50);
  auto comps = split(absolute ? base : relative(cwd, base));
  if (!comps.empty() && rng_.percent(15)) comps.insert(comps.begin() + static_cast<long>(rng_.below(comps.size())), ".");
  if (comps.size() > 1 && rng_.percent(12)) {  // "d1/../d1/f2", or through a file
    size_t i = rng_.below(comps.size() - 1);
    comps.insert(comps.begin() + static_cast<long>(i + 1), {"..", comps[i]});
  }
  if (rng_.percent(6)) comps.insert(comps.begin(), "..");  // ".." at the root stays
  size_t tail = rng_.below(100);
  if (tail < 5) comps.push_back(".");
  else if (tail < 8) comps.push_back("..");
  else if (tail < 14) comps.push_back("x");  // beneath a file: ENOTDIR
  // A trailing slash matters most on a link: it must then be followed.
  bool link = std::any_of(nodes_.begin(), nodes_.end(),
                          [&](const Node& n) { return n.path == base && n.type == NodeType::Link; });
  return spell(comps, absolute, rng_.percent(link ? 40 : 20));
}

// The kernel helper enters the holder's root and cwd (fchdir, chroot) with
// the subject's ids and every capability of its namespace, which bypass DAC
// only on inodes whose owner and group are mapped there.
void Generator::keep_enterable(Node& dir, const UsernsSpec& ns) {
  if (id_is_mapped(ns.uid_map, dir.uid) && id_is_mapped(ns.gid_map, dir.gid)) return;
  dir.mode |= 0111;
  dir.acl.reset();
}

// A live subject may sit in a directory it cannot search: only relative
// lookups show whether the model starts there.
void Generator::place_live(Case& c, const UsernsSpec& ns) {
  keep_enterable(nodes_[0], ns);
  std::vector<size_t> dirs;
  for (size_t i = 1; i < nodes_.size(); ++i)
    if (nodes_[i].type == NodeType::Dir) dirs.push_back(i);
  if (dirs.empty() || !rng_.percent(60)) return;
  size_t i = rng_.pick(dirs);
  c.cwd = nodes_[i].path;
  keep_enterable(nodes_[i], ns);
  if (!rng_.percent(40)) return;
  // A link from there to the root: a jump that never searches the root.
  Node& l = add(c.cwd, NodeType::Link);
  l.target = root_spelling();
  cwd_heads_.push_back(l.path);
}

Case Generator::make() {
  Node root;
  root.path = "/";
  root.mode = dir_mode();
  root.uid = rng_.pick(kUids);
  root.gid = rng_.pick(kGids);
  nodes_.push_back(root);
  maybe_acl(nodes_.back());
  add_random_nodes(3 + rng_.below(10));
  if (rng_.percent(12)) add_chain();
  if (rng_.percent(5)) add_loop();
  if (rng_.percent(25)) add_sticky_dir();
  add_random_nodes(rng_.below(4));
  for (Node& n : nodes_)
    if (n.type == NodeType::Link && n.target.empty()) n.target = link_target(n);
  Case c;
  c.subject = subject();
  if (c.subject.userns) place_live(c, *c.subject.userns);
  c.path = path(c.cwd);
  c.protected_symlinks = rng_.percent(50);
  c.tree = std::move(nodes_);
  return c;
}

}  // namespace

Case generate_case(uint64_t seed, uint64_t index, bool acls) {
  Rng rng(seed * 0x9e3779b97f4a7c15ULL + index);
  return Generator(rng, acls).make();
}

std::vector<Case> regression_cases() {
  // A link to "/" opened as "l/" from a cwd below an unsearchable root: a
  // pure jump, the root is opened but never searched (seed 3 case 3926).
  Case jump;
  jump.tree = {Node{"/", NodeType::Dir, 0704, 1000, 1000, {}, ""},
               Node{"/d1", NodeType::Dir, 0711, 1000, 1000, {}, ""},
               Node{"/d1/l", NodeType::Link, 0777, 1000, 1000, {}, "/"}};
  jump.subject.uid = {1001, 1001, 1001, 1001};
  jump.subject.gid = {1001, 1001, 1001, 1001};
  jump.subject.userns = UsernsSpec{{{0, 1000, 1}}, {{0, 1000, 1}}, false};
  jump.cwd = "/d1";
  jump.path = "l/";
  return {jump};
}

std::string rwx(uint32_t bits) {
  return {bits & 4 ? 'r' : '-', bits & 2 ? 'w' : '-', bits & 1 ? 'x' : '-'};
}

std::string acl_text(const Node& n) {
  const AclSpec& a = *n.acl;
  std::string t = "u::" + rwx((n.mode >> 6) & 7);
  for (const auto& [id, perm] : a.users) t += ",u:" + std::to_string(id) + ":" + rwx(perm);
  t += ",g::" + rwx(a.group_obj);
  for (const auto& [id, perm] : a.groups) t += ",g:" + std::to_string(id) + ":" + rwx(perm);
  return t + ",m::" + rwx(a.mask) + ",o::" + rwx(n.mode & 7);
}

std::string map_text(const IdMap& map) {
  std::string t;
  for (const auto& r : map)
    t += std::to_string(r.inside) + " " + std::to_string(r.outside) + " " + std::to_string(r.count) + "\n";
  return t;
}

void apply_subject(const SubjectSpec& spec, Subject& s) {
  s.uid = spec.uid;
  s.gid = spec.gid;
  s.groups = spec.groups;
  s.caps = CapSets{spec.effective, spec.permitted | spec.effective, 0, 0, 0};
}

}  // namespace probe::difftest
