#pragma once
/// Internal: the Piston v2 wire format, separate from HTTP so it can be tested on its own.

#include <string>
#include <vector>

#include "runner/runner.hpp"

namespace rooms::runner::detail {

/// Our language name to Piston's ("cpp" -> "c++"); unknown names pass through.
std::string to_piston_language(const std::string& ours);
/// Piston's language name to ours ("c++" -> "cpp"); unknown names pass through.
std::string from_piston_language(const std::string& theirs);

/// Parses a GET /api/v2/runtimes body; on a malformed body returns false and sets error.
bool parse_piston_runtimes(const std::string& body, std::vector<runtime>& out, std::string& error);

/// The POST /api/v2/execute body.
std::string piston_execute_body(const std::string& piston_language, const std::string& version,
                                const std::string& file_name, const run_request& request,
                                long run_timeout_ms, long compile_timeout_ms);

/// Maps an execute response body (HTTP 2xx) to a run_result.
run_result parse_piston_execute(const std::string& body);

}  // namespace rooms::runner::detail
