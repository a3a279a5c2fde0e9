// probe::parse_id_map over arbitrary /proc/PID/uid_map text, and the
// lookups over whatever it accepts (kernel/user_namespace.c: map_id_down()).
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "probe/proc_parse.hpp"

namespace {

constexpr uint64_t k2To32 = uint64_t{1} << 32;

// The ids worth asking about: each range's edges and their neighbours.
std::vector<uint32_t> probes(const probe::IdMap& map) {
  std::vector<uint32_t> ids = {0, 1, 65534, 65535, 4294967294U, 4294967295U};
  for (const auto& r : map) {
    uint64_t last = uint64_t{r.outside} + r.count - 1;
    for (uint64_t id : {uint64_t{r.outside}, last, uint64_t{r.outside} - 1, last + 1})
      if (id < k2To32) ids.push_back(static_cast<uint32_t>(id));
  }
  return ids;
}

// The first range holding id, found the slow way.
const probe::IdMapRange* range_of(const probe::IdMap& map, uint32_t id) {
  for (const auto& r : map)
    if (id >= r.outside && id - r.outside < r.count) return &r;
  return nullptr;
}

void check_lookups(const probe::IdMap& map) {
  for (uint32_t id : probes(map)) {
    bool mapped = probe::id_is_mapped(map, id);
    auto inside = probe::id_inside(map, id);
    FUZZ_CHECK(mapped == inside.has_value());
    const probe::IdMapRange* r = range_of(map, id);
    FUZZ_CHECK(mapped == (r != nullptr));
    if (r) FUZZ_CHECK(*inside == r->inside + (id - r->outside));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = probe::parse_id_map(fuzz::as_text(data, size));
  if (!r) {
    FUZZ_CHECK(r.error().code == EINVAL);
    return 0;
  }
  std::string text;
  for (const auto& range : *r) {
    FUZZ_CHECK(range.count > 0);
    FUZZ_CHECK(uint64_t{range.inside} + range.count <= k2To32);
    FUZZ_CHECK(uint64_t{range.outside} + range.count <= k2To32);
    // The kernel's format: "%10u %10u %10u\n" (proc_id_map_show()).
    char line[40];
    std::snprintf(line, sizeof line, "%10u %10u %10u\n", range.inside, range.outside, range.count);
    text += line;
  }
  auto again = probe::parse_id_map(text);
  FUZZ_CHECK(again.has_value() && *again == *r);
  check_lookups(*r);
  return 0;
}
