// cfgprobe explain ID | --list
#include <iostream>

#include "cli.hpp"
#include "probe/finding.hpp"
#include "probe/render.hpp"

namespace cfgprobe {

void register_explain(CLI::App& app, int& rc) {
  auto id = std::make_shared<std::string>();
  auto list = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("explain", "what a finding ID means and how to fix it");
  sub->add_option("id", *id, "a finding ID, e.g. DAC-002");
  sub->add_flag("--list", *list, "every ID with its title");
  sub->callback([id, list, &rc] {
    if (*list) {
      for (const auto& e : probe::catalog()) std::cout << e.id << "  " << e.title << "\n";
      return;
    }
    std::string key = *id;
    for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto* e = probe::find_catalog_entry(key);
    if (e == nullptr) {
      rc = fail(kExitUsage, key.empty() ? "explain needs an ID" : "no such finding ID \"" + *id + "\"",
                "cfgprobe explain --list");
      return;
    }
    std::cout << probe::render_catalog_entry(*e);
  });
}

}  // namespace cfgprobe
