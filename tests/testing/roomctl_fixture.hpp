#pragma once
/// A fixture for black-box roomctl tests (tests/cli): a data dir, an io dir for the child's
/// stdin and output, and a real roomd on it when a test starts one. roomctl runs as a child
/// process with no ROOMD_ADMIN_TOKEN or ROOMCTL_SERVER in its environment.

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/roomd_process.hpp"
#include "tests/testing/run_process.hpp"
#include "tests/testing/temp_dir.hpp"

namespace rooms::testing {

class roomctl_fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("ROOMD_ADMIN_TOKEN");
    ::unsetenv("ROOMCTL_SERVER");
    data_dir_ = (tmp_.path() / "data").string();
    io_dir_ = tmp_.path() / "io";
    std::filesystem::create_directories(io_dir_);
  }

  /// roomd on the data dir with `flags`; its admin token in token_.
  void start_roomd(std::vector<std::string> flags = {}) {
    roomd_ = std::make_unique<roomd_process>(data_dir_, std::move(flags));
    token_ = roomd_->admin_token();
  }
  void stop_roomd() {
    roomd_->stop();
    roomd_.reset();
  }

  /// roomctl with `args`, `input` on its stdin (a file: never a terminal; none: /dev/null).
  process_result run(std::vector<std::string> args,
                     const std::optional<std::string>& input = std::nullopt) {
    args.insert(args.begin(), bin_path("roomctl"));
    return run_process(args, io_dir_.string(), std::chrono::seconds(120), input);
  }
  /// roomctl --db on the data dir (roomd stopped), then `command`, then `args`.
  process_result offline(const std::string& command, std::vector<std::string> args,
                         const std::optional<std::string>& input = std::nullopt) {
    args.insert(args.begin(), {"--db", data_dir_, command});
    return run(std::move(args), input);
  }
  /// roomctl against the running roomd's admin API, then `command`, then `args`.
  process_result online(const std::string& command, std::vector<std::string> args,
                        const std::optional<std::string>& input = std::nullopt) {
    args.insert(args.begin(), {"--server", roomd_->base_url(), "--token", token_, command});
    return run(std::move(args), input);
  }

  temp_dir tmp_;
  std::string data_dir_;
  std::filesystem::path io_dir_;
  std::unique_ptr<roomd_process> roomd_;
  std::string token_;
};

}  // namespace rooms::testing
