// Pure helpers over a Subject.
#include <algorithm>

#include "probe/subject.hpp"

namespace probe {

IdMap identity_map() { return {IdMapRange{0, 0, 4294967295U}}; }

bool id_is_mapped(const IdMap& map, uint32_t outside) {
  return std::any_of(map.begin(), map.end(), [&](const IdMapRange& r) {
    return outside >= r.outside && uint64_t{outside} < uint64_t{r.outside} + r.count;
  });
}

std::optional<uint32_t> id_inside(const IdMap& map, uint32_t outside) {
  for (const auto& r : map)
    if (outside >= r.outside && uint64_t{outside} < uint64_t{r.outside} + r.count)
      return r.inside + (outside - r.outside);
  return std::nullopt;
}

// kernel/groups.c: in_group_p() compares with fsgid, then the groups.
bool in_group(const Subject& s, uint32_t gid) {
  return gid == s.gid.fs || std::find(s.groups.begin(), s.groups.end(), gid) != s.groups.end();
}

}  // namespace probe
