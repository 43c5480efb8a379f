/// roomd's flags and their ROOMD_* variables, parsed as main() parses them (README.md "roomd
/// flags" is the contract).

#include "gateway/roomd_options.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace rooms::gateway {
namespace {

using std::chrono::milliseconds;

const char* const variables[] = {"ROOMD_LISTEN",     "ROOMD_DATA_DIR", "ROOMD_WEB_DIR",
                                 "ROOMD_RETENTION",  "ROOMD_FSYNC",    "ROOMD_RUNNER",
                                 "ROOMD_PISTON_URL", "ROOMD_LOG_LEVEL"};

class RoomdOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : variables) ::unsetenv(v);
  }
  void TearDown() override { SetUp(); }

  /// Parses `args` and resolves; the resolve error (empty when fine). A CLI11 error fails the test.
  std::string parse(std::vector<std::string> args) {
    CLI::App app;
    define_roomd_options(app, opts);
    std::vector<const char*> argv = {"roomd"};
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      ADD_FAILURE() << "CLI11: " << e.what();
      return "parse error";
    }
    return resolve_roomd_options(opts);
  }

  roomd_options opts;
};

TEST_F(RoomdOptions, DefaultsAreTheReadmeTable) {
  ASSERT_EQ(parse({}), "");
  EXPECT_EQ(opts.gateway.host, "127.0.0.1");
  EXPECT_EQ(opts.gateway.port, 8080);
  EXPECT_EQ(opts.data_dir, "./data");
  EXPECT_EQ(opts.gateway.web_dir, "./web/dist");
  EXPECT_EQ(opts.retention_ms, std::chrono::hours(24));
  EXPECT_FALSE(opts.fsync);
  EXPECT_EQ(opts.room.snapshot_every, 5000u);
  EXPECT_EQ(opts.runner, "local");
  EXPECT_EQ(opts.run_timeout_ms, milliseconds(5000));
  EXPECT_EQ(opts.run_workers, 2u);
  EXPECT_EQ(opts.run_queue, 64u);
  EXPECT_FALSE(opts.no_run_cgroups);
  EXPECT_EQ(opts.level, log::level::info);
  EXPECT_TRUE(opts.gateway.allowed_origins.empty());
  EXPECT_EQ(opts.room.max_participants, 16u);
  EXPECT_EQ(opts.room.max_doc_units, 1'000'000u);
  EXPECT_EQ(opts.gateway.max_message_bytes, 1048576u);
  EXPECT_EQ(opts.gateway.message_rate, 60);
  EXPECT_EQ(opts.gateway.message_burst, 200);
  EXPECT_EQ(opts.gateway.max_send_queue, 2048u);
  EXPECT_EQ(opts.gateway.create_per_minute, 30);
  EXPECT_EQ(opts.room.resume_grace, milliseconds(30'000));
  EXPECT_EQ(opts.room.idle_passivate, milliseconds(60'000));
  EXPECT_EQ(opts.gateway.join_timeout, milliseconds(10'000));
  EXPECT_EQ(opts.gateway.header_timeout, milliseconds(30'000));
  EXPECT_EQ(opts.gateway.io_threads, 2);
  EXPECT_FALSE(opts.gateway.metrics_need_token);
  EXPECT_FALSE(opts.gateway.serve_piston);
  EXPECT_TRUE(opts.cluster_file.empty());
}

TEST_F(RoomdOptions, FlagsSetTheirFields) {
  ASSERT_EQ(parse({"--listen",
                   "0.0.0.0:0",
                   "--retention",
                   "2d",
                   "--fsync",
                   "--runner",
                   "none",
                   "--resume-grace",
                   "500ms",
                   "--idle-passivate",
                   "10m",
                   "--join-timeout",
                   "1s",
                   "--header-timeout",
                   "2s",
                   "--run-timeout",
                   "3s",
                   "--allowed-origin",
                   "https://a",
                   "--allowed-origin",
                   "https://b",
                   "--log-level",
                   "debug",
                   "--serve-piston",
                   "--max-participants",
                   "4"}),
            "");
  EXPECT_EQ(opts.gateway.host, "0.0.0.0");
  EXPECT_EQ(opts.gateway.port, 0);
  EXPECT_EQ(opts.retention_ms, std::chrono::hours(48));
  EXPECT_TRUE(opts.fsync);
  EXPECT_EQ(opts.runner, "none");
  EXPECT_EQ(opts.room.resume_grace, milliseconds(500));
  EXPECT_EQ(opts.room.idle_passivate, std::chrono::minutes(10));
  EXPECT_EQ(opts.gateway.join_timeout, milliseconds(1000));
  EXPECT_EQ(opts.gateway.header_timeout, milliseconds(2000));
  EXPECT_EQ(opts.run_timeout_ms, milliseconds(3000));
  EXPECT_EQ(opts.gateway.allowed_origins, (std::vector<std::string>{"https://a", "https://b"}));
  EXPECT_EQ(opts.level, log::level::debug);
  EXPECT_TRUE(opts.gateway.serve_piston);
  EXPECT_EQ(opts.room.max_participants, 4u);
}

TEST_F(RoomdOptions, VariablesApplyWhenTheFlagIsAbsent) {
  ::setenv("ROOMD_LISTEN", "127.0.0.2:9000", 1);
  ::setenv("ROOMD_DATA_DIR", "/tmp/d", 1);
  ::setenv("ROOMD_WEB_DIR", "/tmp/w", 1);
  ::setenv("ROOMD_RETENTION", "1h", 1);
  ::setenv("ROOMD_FSYNC", "1", 1);
  ::setenv("ROOMD_RUNNER", "piston", 1);
  ::setenv("ROOMD_PISTON_URL", "http://127.0.0.1:2000", 1);
  ::setenv("ROOMD_LOG_LEVEL", "warn", 1);
  ASSERT_EQ(parse({}), "");
  EXPECT_EQ(opts.gateway.host, "127.0.0.2");
  EXPECT_EQ(opts.gateway.port, 9000);
  EXPECT_EQ(opts.data_dir, "/tmp/d");
  EXPECT_EQ(opts.gateway.web_dir, "/tmp/w");
  EXPECT_EQ(opts.retention_ms, std::chrono::hours(1));
  EXPECT_TRUE(opts.fsync);
  EXPECT_EQ(opts.runner, "piston");
  EXPECT_EQ(opts.piston_url, "http://127.0.0.1:2000");
  EXPECT_EQ(opts.level, log::level::warn);
}

TEST_F(RoomdOptions, AFlagBeatsItsVariableAndAnEmptyVariableIsUnset) {
  ::setenv("ROOMD_DATA_DIR", "/tmp/from-env", 1);
  ::setenv("ROOMD_LISTEN", "", 1);
  ::setenv("ROOMD_FSYNC", "0", 1);
  ASSERT_EQ(parse({"--data-dir", "/tmp/from-flag"}), "");
  EXPECT_EQ(opts.data_dir, "/tmp/from-flag");
  EXPECT_EQ(opts.gateway.port, 8080) << "empty ROOMD_LISTEN keeps the default";
  EXPECT_FALSE(opts.fsync) << "ROOMD_FSYNC=0";
}

TEST_F(RoomdOptions, BadValuesAreNamed) {
  EXPECT_NE(parse({"--retention", "forever"}).find("--retention"), std::string::npos);
  opts = {};
  EXPECT_NE(parse({"--resume-grace", "30"}).find("--resume-grace"), std::string::npos)
      << "a unit is required";
  opts = {};
  EXPECT_EQ(parse({"--header-timeout", "0s"}), "--header-timeout must be more than 0");
  opts = {};
  EXPECT_EQ(parse({"--listen", "8080"}), "--listen takes HOST:PORT");
  opts = {};
  EXPECT_EQ(parse({"--log-level", "loud"}), "--log-level must be debug, info, warn, error or off");
  opts = {};
  EXPECT_EQ(parse({"--cluster", "nodes.txt"}), "--cluster and --node-id go together");
  opts = {};
  EXPECT_EQ(parse({"--runner", "piston"}), "--runner piston needs --piston-url");
}

}  // namespace
}  // namespace rooms::gateway
