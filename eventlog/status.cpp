#include "eventlog/status.hpp"

namespace rooms::eventlog {

const char* to_string(errc code) {
  switch (code) {
    case errc::ok:
      return "ok";
    case errc::not_found:
      return "not_found";
    case errc::already_exists:
      return "already_exists";
    case errc::wrong_seq:
      return "wrong_seq";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::corruption:
      return "corruption";
    case errc::locked:
      return "locked";
    case errc::io_error:
      return "io_error";
    case errc::no_space:
      return "no_space";
    case errc::read_only:
      return "read_only";
    case errc::shutting_down:
      return "shutting_down";
    case errc::wrong_password:
      return "wrong_password";
  }
  return "unknown";
}

std::string status::to_string() const {
  if (ok()) return "ok";
  std::string out = eventlog::to_string(code_);
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace rooms::eventlog
