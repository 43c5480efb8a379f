#pragma once
/// Forwarder: the change sets moved to the domain library (actors/domain/changeset.hpp). Kept so
/// that other folders compile unchanged until they include the domain header themselves.

#include "actors/domain/changeset.hpp"

namespace rooms::actors {
using domain::changeset;
using domain::utf16_to_utf8;
using domain::utf8_to_utf16;
}  // namespace rooms::actors
