#pragma once
/// Exit codes of roomctl and the one error type its commands raise.
///
/// Inside this executable a failure unwinds to main() as a `cli_error`: every command is a
/// straight-line script, and one catch site keeps "message to stderr, exit code" in one place.
/// Nothing here crosses a library boundary, so the project's errors-as-values rule is kept.

#include <stdexcept>
#include <string>

namespace rooms::cli {

/// PROTOCOL.md "roomctl": 0 ok, 1 failure, 2 usage, 3 not found.
enum class exit_code : int {
  ok = 0,
  failure = 1,
  usage = 2,
  not_found = 3,
};

/// A failure with the exit code it maps to; `what()` is the one-line message for stderr.
class cli_error : public std::runtime_error {
 public:
  cli_error(exit_code code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  exit_code code() const { return code_; }

 private:
  exit_code code_;
};

}  // namespace rooms::cli
