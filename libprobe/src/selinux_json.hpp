// The SELinux part of the JSON report (internal to libprobe): render_json.cpp
// puts the facts under subject.selinux_probe and each check under its step.
#pragma once

#include <nlohmann/json.hpp>

#include "probe/selinux.hpp"

namespace probe {

// {evaluated, note, context, context_source, mode, mode_source, source,
//  policy, file_contexts, kernel_enabled}
nlohmann::ordered_json selinux_facts_to_json(const SelinuxFacts& f);
// {class, label, label_state, tcon, expected, perms, required, denied,
//  dontaudit, by: [te|constraint|rbac|bounds], constraint, enforced,
//  permissive_domain, booleans: [{name, value, opens, examples}], error}
nlohmann::ordered_json selinux_check_to_json(const SelinuxCheck& c);

}  // namespace probe
