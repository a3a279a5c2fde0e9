// The randomized differential test: random trees and subjects, the model
// (resolve_access over a RealFs) against the kernel (kernel_open). A Case is
// plain data, so one can be generated, printed, shrunk and built again.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "probe/access.hpp"
#include "probe/subject.hpp"

namespace probe::difftest {

// Small pools, so that subjects and owners match often.
inline const std::vector<uint32_t> kUids = {0, 1000, 1001, 1002, 1003};
inline const std::vector<uint32_t> kGids = {0, 1000, 1001, 1002, 1003, 1004};

// splitmix64: tiny, and the same sequence on every platform and library, so
// a seed and a case number always name the same case.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }
  bool percent(unsigned p) { return below(100) < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

 private:
  uint64_t state_;
};

enum class NodeType { Dir, File, Link, Fifo };

// The extended part of an access ACL; u:: and o:: are the mode's bits.
struct AclSpec {
  std::vector<std::pair<uint32_t, uint16_t>> users, groups;  // named entries
  uint16_t group_obj = 0, mask = 0;
};

struct Node {
  std::string path;  // beneath the tree root: "/", "/d1", "/d1/f2"
  NodeType type = NodeType::Dir;
  uint32_t mode = 0;  // permission and setid/sticky bits; with an ACL the
                      // group bits are its mask, as the kernel keeps them
  uint32_t uid = 0, gid = 0;
  std::optional<AclSpec> acl;
  std::string target;  // for links
};

struct UsernsSpec {
  IdMap uid_map, gid_map;  // outside ids are kuids
  bool setgroups_allow = false;
};

struct SubjectSpec {
  IdSet uid, gid;  // kuids
  std::vector<uint32_t> groups;
  uint64_t effective = 0, permitted = 0;
  std::optional<UsernsSpec> userns;
};

struct Case {
  std::vector<Node> tree;  // parents before children; tree[0] is the root
  SubjectSpec subject;
  std::string path;
  std::string cwd = "/";  // beneath the root; only a live subject has another
  bool protected_symlinks = false;
};

// Case `index` of run `seed`: independent of every other case.
Case generate_case(uint64_t seed, uint64_t index, bool acls);

// Cases that once disagreed, run before the random ones.
std::vector<Case> regression_cases();

// "r-x" for 5.
std::string rwx(uint32_t bits);
// "u::rwx,u:1000:r-x,g::r-x,m::r-x,o::---" for acl_from_text.
std::string acl_text(const Node& n);
// "0 1000 3\n" as /proc/PID/uid_map takes it.
std::string map_text(const IdMap& map);
// Subject fields the spec decides, over whatever the subject had.
void apply_subject(const SubjectSpec& spec, Subject& s);

// What one run of a case gave.
struct Outcome {
  std::string error;  // the harness itself failed: no verdict
  Walk walk;
  int kernel_err = 0;
  std::string kernel_how;
  bool mismatch() const { return error.empty() && walk.err != kernel_err; }
};

class InodePool;

// Where cases are built and run: a temp directory removed at the end, and
// fs.protected_symlinks, restored at the end.
class Env {
 public:
  static Result<std::unique_ptr<Env>> create();
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  bool acls() const { return acls_; }
  const std::string& base() const { return base_; }
  Outcome run(const Case& c);

 private:
  Env() = default;
  std::string base_;
  bool acls_ = false;
  int original_sysctl_ = -1;
  int current_sysctl_ = -1;
  uint64_t trees_ = 0;
  std::unique_ptr<InodePool> pool_;
};

// Writes the original fs.protected_symlinks back; async-signal-safe.
void restore_sysctl_now();

// Drops what does not matter while `fails` stays true.
Case shrink(const Case& c, const std::function<bool(const Case&)>& fails, int& tries);

void print_case(std::ostream& out, const Case& c);
void print_outcome(std::ostream& out, const Outcome& o);
// "EACCES"; "0 (success)" for 0.
std::string answer_name(int err);

}  // namespace probe::difftest
