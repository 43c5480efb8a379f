/// roomd's flags and their ROOMD_* variables, parsed as main() parses them (README.md "roomd
/// flags" is the contract).

#include "gateway/roomd_options.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.hpp"

namespace rooms::gateway {
namespace {

using std::chrono::milliseconds;

const char* const variables[] = {"ROOMD_LISTEN",
                                 "ROOMD_DATA_DIR",
                                 "ROOMD_WEB_DIR",
                                 "ROOMD_RETENTION",
                                 "ROOMD_FSYNC",
                                 "ROOMD_RUNNER",
                                 "ROOMD_PISTON_URL",
                                 "ROOMD_LOG_LEVEL",
                                 "ROOMD_LOG_FORMAT",
                                 "ROOMD_TLS_CERT",
                                 "ROOMD_TLS_KEY",
                                 "ROOMD_HTTP_REDIRECT_PORT",
                                 "ROOMD_REQUIRE_SIGN_IN",
                                 "ROOMD_SIGN_IN_TTL",
                                 "ROOMD_OIDC_ISSUER",
                                 "ROOMD_OIDC_CLIENT_ID",
                                 "ROOMD_OIDC_CLIENT_SECRET",
                                 "ROOMD_OIDC_NAME",
                                 "PORT",
                                 "CLIENT_URL"};

class RoomdOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : variables) ::unsetenv(v);
  }
  void TearDown() override { SetUp(); }

  /// Parses `args` and resolves; the resolve error (empty when fine). A CLI11 error fails the test.
  std::string parse(std::vector<std::string> args) {
    auto err = try_parse(std::move(args));
    if (err.rfind("CLI11: ", 0) == 0) ADD_FAILURE() << err;
    return err;
  }

  /// parse() that returns CLI11's error as "CLI11: <what>" instead of failing.
  std::string try_parse(std::vector<std::string> args) {
    CLI::App app;
    define_roomd_options(app, opts);
    std::vector<const char*> argv = {"roomd"};
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return std::string("CLI11: ") + e.what();
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

TEST_F(RoomdOptions, TheOriginalSystemsPortAndClientUrl) {
  ::setenv("PORT", "3001", 1);
  ::setenv("CLIENT_URL", "https://rooms.example.com/", 1);
  ASSERT_EQ(parse({}), "");
  EXPECT_EQ(opts.gateway.host, "127.0.0.1");
  EXPECT_EQ(opts.gateway.port, 3001);
  EXPECT_EQ(opts.gateway.allowed_origins, (std::vector<std::string>{"https://rooms.example.com"}))
      << "an Origin has no path nor trailing slash";
  opts = {};
  ::setenv("ROOMD_LISTEN", "0.0.0.0:9000", 1);
  ASSERT_EQ(parse({"--allowed-origin", "https://a"}), "");
  EXPECT_EQ(opts.gateway.port, 9000) << "ROOMD_LISTEN beats PORT";
  EXPECT_EQ(opts.gateway.allowed_origins,
            (std::vector<std::string>{"https://a", "https://rooms.example.com"}))
      << "CLIENT_URL adds to the flags";
  opts = {};
  ::unsetenv("ROOMD_LISTEN");
  ::setenv("PORT", "80000", 1);
  EXPECT_EQ(parse({}), "PORT must be a port number (0-65535), not \"80000\"");
  opts = {};
  ::unsetenv("PORT");
  ::setenv("CLIENT_URL", "rooms.example.com", 1);
  EXPECT_NE(parse({}).find("CLIENT_URL must be a URL"), std::string::npos);
}

TEST_F(RoomdOptions, TlsAndLogFlags) {
  ASSERT_EQ(parse({"--tls-cert", "/c.pem", "--tls-key", "/k.pem", "--http-redirect-port", "8081",
                   "--log-format", "json"}),
            "");
  EXPECT_EQ(opts.gateway.tls_cert, "/c.pem");
  EXPECT_EQ(opts.gateway.tls_key, "/k.pem");
  EXPECT_EQ(opts.gateway.http_redirect_port, 8081);
  EXPECT_EQ(opts.format, log::format::json);
  opts = {};
  EXPECT_EQ(parse({"--tls-cert", "/c.pem"}), "--tls-cert and --tls-key go together");
  opts = {};
  EXPECT_EQ(parse({"--http-redirect-port", "8081"}),
            "--http-redirect-port needs --tls-cert and --tls-key");
  opts = {};
  EXPECT_EQ(parse({"--log-format", "xml"}), "--log-format must be text or json");
  opts = {};
  EXPECT_EQ(parse({"--listen", "127.0.0.1:70000"}), "bad port in --listen 127.0.0.1:70000");
}

TEST_F(RoomdOptions, TheOidcProviderNameDefaultsToTheIssuersHost) {
  ::setenv("ROOMD_OIDC_CLIENT_SECRET", "s", 1);
  ASSERT_EQ(parse({"--oidc-issuer", "https://sso.example.com:8443/realms/x", "--oidc-client-id",
                   "roomd"}),
            "");
  EXPECT_EQ(opts.oidc_name, "sso.example.com");
  opts = {};
  ASSERT_EQ(parse({"--oidc-issuer", "https://sso.example.com", "--oidc-client-id", "roomd",
                   "--oidc-name", "Example SSO"}),
            "");
  EXPECT_EQ(opts.oidc_name, "Example SSO");
  opts = {};
  EXPECT_EQ(parse({"--oidc-issuer", "https://sso.example.com", "--oidc-client-id", "roomd",
                   "--oidc-name", "two\nlines"}),
            "--oidc-name must be one line of at most 64 bytes");
  opts = {};
  EXPECT_EQ(parse({"--oidc-name", "Example SSO"}),
            "--oidc-client-id, --oidc-allowed-domain and --oidc-name need --oidc-issuer");
}

class RoomdConfigFile : public RoomdOptions {
 protected:
  std::string write_config(const std::string& text) {
    auto path = (dir_.path() / "roomd.conf").string();
    std::ofstream(path) << text;
    return path;
  }
  rooms::testing::temp_dir dir_;
};

TEST_F(RoomdConfigFile, ValuesComeFromTheFileAndFlagsAndVariablesBeatIt) {
  auto conf = write_config(
      "# roomd.conf\n"
      "listen = \"0.0.0.0:8443\"\n"
      "data-dir = \"/var/lib/roomd\"\n"
      "retention = \"7d\"\n"
      "fsync = true\n"
      "log-format = \"json\"\n"
      "allowed-origin = [\"https://a\", \"https://b\"]\n"
      "max-participants = 8\n");
  ASSERT_EQ(parse({"--config", conf}), "");
  EXPECT_EQ(opts.gateway.host, "0.0.0.0");
  EXPECT_EQ(opts.gateway.port, 8443);
  EXPECT_EQ(opts.data_dir, "/var/lib/roomd");
  EXPECT_EQ(opts.retention_ms, std::chrono::hours(24 * 7));
  EXPECT_TRUE(opts.fsync);
  EXPECT_EQ(opts.format, log::format::json);
  EXPECT_EQ(opts.gateway.allowed_origins, (std::vector<std::string>{"https://a", "https://b"}));
  EXPECT_EQ(opts.room.max_participants, 8u);

  opts = {};
  ::setenv("ROOMD_DATA_DIR", "/from/env", 1);
  ::setenv("PORT", "9443", 1);
  ASSERT_EQ(parse({"--config", conf, "--retention", "1h"}), "");
  EXPECT_EQ(opts.retention_ms, std::chrono::hours(1)) << "a flag beats the file";
  EXPECT_EQ(opts.data_dir, "/from/env") << "a variable beats the file";
  EXPECT_EQ(opts.gateway.host, "0.0.0.0") << "PORT replaces only the file's port";
  EXPECT_EQ(opts.gateway.port, 9443);
  EXPECT_TRUE(opts.fsync) << "what nothing overrides stays the file's";
}

TEST_F(RoomdConfigFile, SignInOptionsFromFlagsVariablesAndTheFile) {
  ASSERT_EQ(parse({}), "");
  EXPECT_FALSE(opts.gateway.require_sign_in) << "off by default: the embedded single-user case";
  EXPECT_EQ(opts.gateway.sign_in_ttl, std::chrono::hours(12));
  EXPECT_EQ(opts.gateway.login_per_minute, 20);

  opts = {};
  ASSERT_EQ(parse({"--require-sign-in", "--sign-in-ttl", "30m", "--login-per-minute", "5"}), "");
  EXPECT_TRUE(opts.gateway.require_sign_in);
  EXPECT_EQ(opts.gateway.sign_in_ttl, std::chrono::minutes(30));
  EXPECT_EQ(opts.gateway.login_per_minute, 5);

  opts = {};
  ::setenv("ROOMD_REQUIRE_SIGN_IN", "1", 1);
  ::setenv("ROOMD_SIGN_IN_TTL", "2h", 1);
  ASSERT_EQ(parse({}), "");
  EXPECT_TRUE(opts.gateway.require_sign_in);
  EXPECT_EQ(opts.gateway.sign_in_ttl, std::chrono::hours(2));
  ::unsetenv("ROOMD_REQUIRE_SIGN_IN");
  ::unsetenv("ROOMD_SIGN_IN_TTL");

  opts = {};
  auto conf = write_config("require-sign-in = true\nsign-in-ttl = \"8h\"\n");
  ASSERT_EQ(parse({"--config", conf}), "");
  EXPECT_TRUE(opts.gateway.require_sign_in);
  EXPECT_EQ(opts.gateway.sign_in_ttl, std::chrono::hours(8));

  opts = {};
  EXPECT_EQ(parse({"--sign-in-ttl", "500ms"}), "--sign-in-ttl must be at least 1s");
}

TEST_F(RoomdConfigFile, AMissingExplicitFileOrAnUnknownNameIsAnError) {
  auto missing = (dir_.path() / "nope.conf").string();
  EXPECT_NE(try_parse({"--config", missing}).find("nope.conf"), std::string::npos);
  opts = {};
  auto conf = write_config("lisen = \"0.0.0.0:1\"\n");
  EXPECT_NE(try_parse({"--config", conf}).find("lisen"), std::string::npos)
      << "a misspelt name is not silently ignored";
}

TEST_F(RoomdConfigFile, TheDefaultFileIsOptional) {
  // The test machine has no /etc/roomd/roomd.conf (roomd's default): parsing still works.
  if (std::filesystem::exists(default_config_file))
    GTEST_SKIP() << default_config_file << " exists on this machine";
  EXPECT_EQ(parse({}), "");
  EXPECT_EQ(opts.gateway.port, 8080);
}

}  // namespace
}  // namespace rooms::gateway
