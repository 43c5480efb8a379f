#pragma once
/// Random identifiers and secrets for rooms: the project's one copy is in base/secrets.hpp.

#include "base/secrets.hpp"

namespace rooms::actors::detail {

using base::constant_time_equal;
using base::random_hex;

}  // namespace rooms::actors::detail
