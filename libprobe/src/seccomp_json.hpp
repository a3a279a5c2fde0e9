// The seccomp part of the JSON report (internal to libprobe; render_json.cpp
// puts it under subject.seccomp_filter).
#pragma once

#include <nlohmann/json.hpp>

#include "probe/seccomp.hpp"

namespace probe {

// {mode, filters, dump, error, instructions: [n per filter, newest first],
//  syscalls: [{name, abi, nr, result, action, errno, depends_on, possible}]}
nlohmann::ordered_json seccomp_to_json(const SeccompFacts& f);

}  // namespace probe
