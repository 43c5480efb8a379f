#pragma once
/// Forwarder: moved to the domain library (actors/domain/json_limits.hpp).

#include "actors/domain/json_limits.hpp"

namespace rooms::actors {
using domain::json_too_deep;
}  // namespace rooms::actors
