#pragma once
/// Internal: program output to valid UTF-8. Output ends up in JSON (run_finished, the event
/// log, the Piston API), and a strict JSON encoder throws on invalid UTF-8, so every byte
/// sequence that is not UTF-8 becomes U+FFFD, once, for every consumer. The decoder is the
/// project's one (base/utf8.hpp), shared with the change sets.

#include "base/utf8.hpp"

namespace rooms::runner::detail {

using base::to_valid_utf8;
using base::utf8_sanitizer;

}  // namespace rooms::runner::detail
