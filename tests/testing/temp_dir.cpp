#include "tests/testing/temp_dir.hpp"

#include <cstdlib>
#include <stdexcept>
#include <system_error>

namespace rooms::testing {

temp_dir::temp_dir() {
  auto base = std::filesystem::temp_directory_path() / "rooms-test-XXXXXX";
  std::string pattern = base.string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ignored;  // best effort: a leftover temp dir must not fail a test
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace rooms::testing
