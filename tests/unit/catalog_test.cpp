// The catalog: IDs well formed and unique, every entry complete, and every
// ID the code can emit present (scanned from the sources).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "probe/finding.hpp"

namespace probe {
namespace {

TEST(Catalog, IdsAreWellFormedUniqueAndComplete) {
  std::set<std::string_view> seen;
  std::regex form("[A-Z]+-[0-9]{3}");
  for (const auto& e : catalog()) {
    EXPECT_TRUE(std::regex_match(std::string(e.id), form)) << e.id;
    EXPECT_TRUE(seen.insert(e.id).second) << "duplicate " << e.id;
    EXPECT_FALSE(e.title.empty() || e.meaning.empty() || e.why.empty() || e.fix.empty() || e.false_alarm.empty())
        << e.id;
  }
}

TEST(Catalog, EveryIdInTheSourcesHasAnEntry) {
  const char* src = std::getenv("CFGPROBE_SOURCE_ROOT");
  if (src == nullptr) GTEST_SKIP() << "CFGPROBE_SOURCE_ROOT not set";
  std::regex id_literal("\"((NS|DAC|ACL|CAP|SEL|AA|EXE|SCMP|KEY|AGE|VFY)-[0-9]{3})\"");
  size_t found = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(std::string(src) + "/libprobe/src")) {
    if (f.path().filename() == "catalog.cpp") continue;
    std::ifstream in(f.path());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    for (std::sregex_iterator it(text.begin(), text.end(), id_literal), end; it != end; ++it, ++found)
      EXPECT_NE(find_catalog_entry((*it)[1].str()), nullptr) << (*it)[1].str() << " in " << f.path();
  }
  EXPECT_GT(found, 10u);
}

}  // namespace
}  // namespace probe
