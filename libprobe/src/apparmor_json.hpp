// The AppArmor part of the JSON report (internal to libprobe): render_json.cpp
// puts the facts under subject.apparmor_probe and the decision under each
// target's "apparmor".
#pragma once

#include <nlohmann/json.hpp>

#include "probe/apparmor.hpp"

namespace probe {

// {state, label, label_source, profiles: [{name, mode}], note}
nlohmann::ordered_json apparmor_facts_to_json(const ApparmorFacts& f);
// {outcome, path, note, checks: [{profile, mode, allowed, audited, error}]}
nlohmann::ordered_json apparmor_target_to_json(const ApparmorTarget& t);

}  // namespace probe
