#include <gtest/gtest.h>

#include "probe/probe.hpp"
#include "probe/render.hpp"

namespace probe {
namespace {

TEST(Escape, ControlCharactersNeverPass) {
  EXPECT_EQ(escape_for_terminal("plain /etc/app.conf"), "plain /etc/app.conf");
  EXPECT_EQ(escape_for_terminal("a\nb"), "a\\x0ab");
  EXPECT_EQ(escape_for_terminal("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(escape_for_terminal("back\\slash"), "back\\\\slash");
  EXPECT_EQ(escape_for_terminal("\x7f"), "\\x7f");
  EXPECT_EQ(escape_for_terminal("caf\xc3\xa9"), "caf\xc3\xa9");       // UTF-8 passes
  EXPECT_EQ(escape_for_terminal("\xc2\x9b"), "\\xc2\\x9b");            // C1 CSI does not
  EXPECT_EQ(escape_for_terminal("\xff\xfe"), "\\xff\\xfe");            // invalid UTF-8
  EXPECT_EQ(escape_for_terminal("\xe2\x82"), "\\xe2\\x82");            // truncated
  EXPECT_EQ(escape_for_terminal("\xff\x99\x99"), "\\xff\\x99\\x99");  // no such lead byte (found by fuzz_escape)
  EXPECT_EQ(escape_for_terminal("\xf5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80");
}

TEST(Discover, ConfigFlagsOnACommandLine) {
  auto t = discover_configs({"app", "--config", "/a", "-c", "b", "--config-file=/c", "-config", "/d", "--", "--config", "/e"});
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].path, "/a");
  EXPECT_EQ(t[1].path, "b");
  EXPECT_EQ(t[2].path, "/c");
  EXPECT_EQ(t[3].path, "/d");
  EXPECT_NE(t[0].source.find("--config"), std::string::npos);
  EXPECT_TRUE(discover_configs({"app", "--config"}).empty());
}

}  // namespace
}  // namespace probe
