// The keyring probe's JSON fragment (internal): render_json.cpp puts it
// under subject.keyring_probe of schema cfgprobe/1.
#pragma once

#include <nlohmann/json.hpp>

#include "probe/keyring.hpp"

namespace probe {

// {proc_keys, quota: {uid, keys, max_keys, bytes, max_bytes}, own_user_ns,
//  rings: [{spec, serial, description}], keys: [{description, state, key: {serial,
//  type, uid, gid, perm, timeout, flags} | null, holder, searched_user_keyring_only}]}
nlohmann::ordered_json keyring_to_json(const KeyringFacts& f);

}  // namespace probe
