// The exe probe's JSON fragment (internal): the lead puts it under
// "subject.exe" of schema cfgprobe/1. Strings are raw; the document is
// dumped with error_handler_t::replace like render_json().
#pragma once

#include <nlohmann/json.hpp>

#include "probe/exe.hpp"

namespace probe {

nlohmann::ordered_json exe_to_json(const ExeFacts& f);

}  // namespace probe
