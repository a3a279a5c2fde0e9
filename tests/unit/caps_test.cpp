// Capability names, and an oracle: our parse of /proc/self/status against
// libcap-ng's own reading of this process.
#include <cap-ng.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "probe/caps.hpp"
#include "probe/proc_parse.hpp"

namespace probe {
namespace {

TEST(Caps, NamesRoundTrip) {
  EXPECT_EQ(cap_name(kCapDacOverride), "cap_dac_override");
  EXPECT_EQ(cap_name(kCapDacReadSearch), "cap_dac_read_search");
  for (int c = 0; c <= last_cap(); ++c) EXPECT_EQ(cap_from_name(cap_name(c)), c) << c;
  EXPECT_EQ(cap_from_name("CAP_DAC_OVERRIDE"), kCapDacOverride);
  EXPECT_EQ(cap_from_name("dac_read_search"), kCapDacReadSearch);
  EXPECT_FALSE(cap_from_name("cap_make_coffee"));
}

TEST(Caps, ParseList) {
  EXPECT_EQ(*parse_cap_list("none"), 0u);
  EXPECT_EQ(*parse_cap_list("all"), all_caps());
  EXPECT_EQ(*parse_cap_list("cap_dac_override,dac_read_search"), cap_bit(1) | cap_bit(2));
  auto bad = parse_cap_list("cap_dac_override,cap_nope");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().context.find("cap_nope"), std::string::npos);
  EXPECT_NE(valid_cap_names().find("cap_sys_admin"), std::string::npos);
}

TEST(Caps, DescribeSets) {
  EXPECT_EQ(describe_caps(0), "none");
  EXPECT_EQ(describe_caps(all_caps()), "all");
  EXPECT_EQ(describe_caps(cap_bit(2)), "cap_dac_read_search");
  EXPECT_EQ(describe_caps(all_caps() & ~cap_bit(24)), "all except cap_sys_resource");
}

TEST(Caps, StatusParseAgreesWithLibcapNg) {
  std::ifstream f("/proc/self/status");
  std::stringstream ss;
  ss << f.rdbuf();
  auto st = parse_status(ss.str());
  ASSERT_TRUE(st);
  capng_clear(CAPNG_SELECT_BOTH);
  capng_setpid(static_cast<int>(getpid()));
  ASSERT_EQ(capng_get_caps_process(), 0);
  for (int c = 0; c <= last_cap(); ++c) {
    auto u = static_cast<unsigned>(c);
    EXPECT_EQ(has_cap(st->caps.effective, c), capng_have_capability(CAPNG_EFFECTIVE, u) != 0) << cap_name(c);
    EXPECT_EQ(has_cap(st->caps.permitted, c), capng_have_capability(CAPNG_PERMITTED, u) != 0) << cap_name(c);
    EXPECT_EQ(has_cap(st->caps.inheritable, c), capng_have_capability(CAPNG_INHERITABLE, u) != 0) << cap_name(c);
    EXPECT_EQ(has_cap(st->caps.bounding, c), capng_have_capability(CAPNG_BOUNDING_SET, u) != 0) << cap_name(c);
  }
}

}  // namespace
}  // namespace probe
