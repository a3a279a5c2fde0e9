// A simple shrinker: try one simplification at a time, keep it while the
// case still fails, until none is kept. Each try builds the tree again.
#include <sys/stat.h>

#include "differential.hpp"
#include "probe/caps.hpp"

namespace probe::difftest {
namespace {

// Far above what a case of ~60 nodes needs; a bound so a flaky failure
// cannot make the shrinker run forever.
constexpr int kMaxTries = 3000;

bool under(const std::string& path, const std::string& dir) {
  return path == dir || path.starts_with(dir + "/");
}

// Every one-step simplification of c, the biggest first.
std::vector<Case> candidates(const Case& c) {
  std::vector<Case> out;
  auto with = [&](auto change) {
    Case n = c;
    change(n);
    out.push_back(std::move(n));
  };
  if (c.subject.userns) with([](Case& n) {
      n.subject.userns.reset();
      n.cwd = "/";
    });
  if (c.cwd != "/") with([](Case& n) { n.cwd = "/"; });
  for (size_t i = c.tree.size(); i-- > 1;)  // a directory goes with its contents
    with([&](Case& n) { std::erase_if(n.tree, [&](const Node& x) { return under(x.path, c.tree[i].path); }); });
  if (c.protected_symlinks) with([](Case& n) { n.protected_symlinks = false; });
  for (size_t i = 0; i < c.tree.size(); ++i) {
    if (!c.tree[i].acl) continue;
    with([&](Case& n) { n.tree[i].acl.reset(); });
    for (size_t u = 0; u < c.tree[i].acl->users.size(); ++u)
      with([&](Case& n) { n.tree[i].acl->users.erase(n.tree[i].acl->users.begin() + static_cast<long>(u)); });
    for (size_t g = 0; g < c.tree[i].acl->groups.size(); ++g)
      with([&](Case& n) { n.tree[i].acl->groups.erase(n.tree[i].acl->groups.begin() + static_cast<long>(g)); });
  }
  for (size_t g = 0; g < c.subject.groups.size(); ++g)
    with([&](Case& n) { n.subject.groups.erase(n.subject.groups.begin() + static_cast<long>(g)); });
  for (int cap : {kCapDacOverride, kCapDacReadSearch}) {
    if (has_cap(c.subject.effective, cap))
      with([&](Case& n) { n.subject.effective &= ~cap_bit(cap); });  // still permitted
    else if (has_cap(c.subject.permitted, cap))
      with([&](Case& n) { n.subject.permitted &= ~cap_bit(cap); });
  }
  for (size_t i = 0; i < c.tree.size(); ++i)
    if (c.tree[i].mode & 07000) with([&](Case& n) { n.tree[i].mode &= 0777; });
  // The path: drop one '/'-separated piece ("" pieces are doubled slashes).
  for (size_t start = 0, end; start <= c.path.size(); start = end + 1) {
    end = c.path.find('/', start);
    if (end == std::string::npos) end = c.path.size();
    size_t from = start, to = end < c.path.size() ? end + 1 : end;
    if (to > from) with([&](Case& n) { n.path.erase(from, to - from); });
  }
  return out;
}

}  // namespace

Case shrink(const Case& c, const std::function<bool(const Case&)>& fails, int& tries) {
  Case best = c;
  bool progress = true;
  while (progress && tries < kMaxTries) {
    progress = false;
    for (Case& next : candidates(best)) {
      if (++tries > kMaxTries) break;
      if (!fails(next)) continue;
      best = std::move(next);
      progress = true;
      break;
    }
  }
  return best;
}

}  // namespace probe::difftest
