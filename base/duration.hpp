#pragma once
/// The one duration syntax of roomd's flags and roomctl's options.

#include <chrono>
#include <optional>
#include <string_view>

namespace rooms::base {

/// A non-negative integer and a unit: "500ms", "30s", "10m", "24h", "7d". nullopt for anything
/// else (no sign, no spaces, no fractions, no unit-less number) and for values that overflow.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace rooms::base
