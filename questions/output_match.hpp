#pragma once
/// PROTOCOL.md "Questions": a test passes when the program's stdout equals `expected` after
/// trimming trailing whitespace on each line and at the end.

#include <string>
#include <string_view>

namespace rooms::questions {

/// `text` with trailing spaces, tabs and carriage returns cut from every line, and trailing
/// newlines (and any whitespace) cut from the end. Lines are split at '\n' only.
std::string normalize_output(std::string_view text);

/// Whether `stdout_data` passes a test expecting `expected`.
bool output_matches(std::string_view stdout_data, std::string_view expected);

}  // namespace rooms::questions
