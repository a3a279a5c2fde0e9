// probe::parse_stat over arbitrary /proc/PID/stat text. comm is chosen by
// the process (prctl(PR_SET_NAME)) and may hold spaces, '(' and ')': the
// kernel prints it raw between "(" and ")" (fs/proc/array.c:
// do_task_stat()), so only the *last* ')' ends it.
#include <string>

#include "fuzz_check.hpp"
#include "probe/proc_parse.hpp"

namespace {

// "pid (comm) state" then fields 4..21 as 0, starttime (22), two more.
std::string stat_line(int pid, std::string_view comm, char state, uint64_t start_time) {
  std::string s = std::to_string(pid) + " (" + std::string(comm) + ") " + state;
  for (int field = 4; field <= 21; ++field) s += " 0";
  return s + " " + std::to_string(start_time) + " 0 0\n";
}

// Any accepted line, printed again the kernel's way, parses the same.
void check_round_trip(std::string_view text) {
  auto r = probe::parse_stat(text);
  if (!r) {
    FUZZ_CHECK(r.error().code == EINVAL);
    return;
  }
  FUZZ_CHECK(r->state != ' ' && r->state != '\t');
  auto again = probe::parse_stat(stat_line(r->pid, r->comm, r->state, r->start_time));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->pid == r->pid && again->comm == r->comm);
  FUZZ_CHECK(again->state == r->state && again->start_time == r->start_time);
}

// Any bytes as comm (the kernel allows all but NUL) come back unchanged.
void check_hostile_comm(std::string_view comm) {
  auto r = probe::parse_stat(stat_line(4242, comm, 'S', 123456));
  FUZZ_CHECK(r.has_value());
  FUZZ_CHECK(r->pid == 4242 && r->comm == comm && r->state == 'S' && r->start_time == 123456);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_round_trip(fuzz::as_text(data, size));
  check_hostile_comm(fuzz::as_text(data, size));
  return 0;
}
