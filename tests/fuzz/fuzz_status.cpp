// probe::parse_status over arbitrary /proc/PID/status text. Whatever it
// accepts must survive a round trip through the kernel's own format
// (fs/proc/array.c: task_state(), task_cap()).
#include <cinttypes>
#include <string>

#include "fuzz_check.hpp"
#include "probe/proc_parse.hpp"

namespace {

std::string ids_line(const char* key, const probe::IdSet& ids) {
  return std::string(key) + ":\t" + std::to_string(ids.real) + "\t" + std::to_string(ids.effective) +
         "\t" + std::to_string(ids.saved) + "\t" + std::to_string(ids.fs) + "\n";
}

std::string cap_line(const char* key, uint64_t mask) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s:\t%016" PRIx64 "\n", key, mask);
  return buf;
}

std::string serialize(const probe::StatusFields& f) {
  std::string s = "Name:\tx\n" + ids_line("Uid", f.uid) + ids_line("Gid", f.gid) + "Groups:\t";
  for (uint32_t g : f.groups) s += std::to_string(g) + " ";
  s += "\n" + cap_line("CapInh", f.caps.inheritable) + cap_line("CapPrm", f.caps.permitted) +
       cap_line("CapEff", f.caps.effective) + cap_line("CapBnd", f.caps.bounding) +
       cap_line("CapAmb", f.caps.ambient);
  if (f.no_new_privs) s += std::string("NoNewPrivs:\t") + (*f.no_new_privs ? "1" : "0") + "\n";
  if (f.seccomp != probe::SeccompMode::Unknown)
    s += "Seccomp:\t" + std::to_string(static_cast<int>(f.seccomp)) + "\n";
  s += "Seccomp_filters:\t" + std::to_string(f.seccomp_filters) + "\n";
  return s;
}

bool same(const probe::StatusFields& a, const probe::StatusFields& b) {
  return a.uid == b.uid && a.gid == b.gid && a.groups == b.groups && a.caps == b.caps &&
         a.no_new_privs == b.no_new_privs && a.seccomp == b.seccomp &&
         a.seccomp_filters == b.seccomp_filters;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = probe::parse_status(fuzz::as_text(data, size));
  if (!r) {
    FUZZ_CHECK(r.error().code == EINVAL);
    return 0;
  }
  FUZZ_CHECK(r->seccomp_filters >= 0);
  auto again = probe::parse_status(serialize(*r));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(same(*r, *again));
  return 0;
}
