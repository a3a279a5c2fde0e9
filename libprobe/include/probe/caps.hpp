// Capability names and sets, decoded with libcap-ng.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/result.hpp"

namespace probe {

// linux/capability.h numbers used by the access model.
inline constexpr int kCapDacOverride = 1;
inline constexpr int kCapDacReadSearch = 2;

inline bool has_cap(uint64_t set, int cap) { return (set >> cap) & 1U; }
inline uint64_t cap_bit(int cap) { return uint64_t{1} << cap; }

// "cap_dac_override"; "cap_40" for a number libcap-ng does not know.
std::string cap_name(int cap);
// Accepts "cap_dac_override", "CAP_DAC_OVERRIDE", "dac_override".
std::optional<int> cap_from_name(std::string_view name);
// Highest capability this kernel knows (/proc/sys/kernel/cap_last_cap).
int last_cap();
// Every capability 0..last_cap().
uint64_t all_caps();
// "none" | "all" | "cap_a,cap_b". An unknown name is EINVAL with the name in
// the context.
Result<uint64_t> parse_cap_list(std::string_view text);
// Lower-case names of the bits set, in number order.
std::vector<std::string> cap_names(uint64_t set);
// "none", "all" (every known cap), or "cap_a cap_b".
std::string describe_caps(uint64_t set);
// Every name libcap-ng knows, for error messages.
std::string valid_cap_names();

}  // namespace probe
