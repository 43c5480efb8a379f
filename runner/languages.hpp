#pragma once
/// Internal: the one table of languages the local runner knows.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace rooms::runner::detail {

/// How a language's runtime uses memory, which decides how the memory limit is applied.
enum class memory_model {
  /// RLIMIT_AS = the configured memory limit.
  native,
  /// JVM, V8 and the Go runtime reserve far more address space than they use, so RLIMIT_AS
  /// is raised to max(4 x limit, 1 GiB) and the runtime's own heap flag ({heap_mb}, GOMEMLIMIT)
  /// carries the real limit.
  managed,
};

/// One language. Command words may contain placeholders, replaced per run:
///   {src}      the source file inside the sandbox, e.g. /work/main.c
///   {class}    Java: the public class name (file name without .java)
///   {heap_mb}  half of the memory limit, in MiB (heap flags of managed runtimes)
///   {mem}      the memory limit in bytes
struct language {
  std::string name = {};
  std::vector<std::string> aliases = {};
  std::string source_file = {};           ///< file name in /work; may contain {class}
  std::vector<std::string> compile = {};  ///< empty for interpreted languages
  std::vector<std::string> run = {};
  /// The interpreter's interactive mode, started on a pseudo-terminal (empty: none).
  std::vector<std::string> repl = {};
  std::vector<std::string> version = {};  ///< prints a version (stdout or stderr)
  std::vector<std::string> env = {};      ///< extra "K=V" for every stage
  memory_model memory = memory_model::native;
  std::string hello = {};  ///< prints "hello, world" and a newline
  /// Host paths that must exist for the language to be offered: the first is the toolchain's
  /// main executable (must be executable), the others must be readable (jars, scripts).
  std::vector<std::string> requires_paths = {};
  /// Host files or directories outside /usr the toolchain reads (R's /etc/R, fpc.cfg, Mono's
  /// /etc/mono, GHC's package database in /var/lib/ghc), bound read-only at the same path for
  /// this language only.
  std::vector<std::string> host_binds = {};
  /// RLIMIT_NOFILE of the run stage at least this (R refuses to start below 256). 0: none.
  int min_open_files = 0;
  /// Files written to /work next to the source before the first stage, {name, content}
  /// (TypeScript's declarations of the Node globals Debian ships no @types for).
  std::vector<std::pair<std::string, std::string>> extra_files = {};
  /// When set, run_request::setup is written to /work/<setup_file> (empty when none is
  /// given) and the commands load it before the program (SQL: the tables a question provides).
  std::string setup_file = {};
  /// Runs against local_options::postgres: each run gets a throwaway role and database
  /// (runner/postgres.hpp), the server's socket directory at /pg and PG* variables naming them.
  bool postgres = false;
};

/// All known languages, installed or not.
const std::vector<language>& language_table();

/// The public Java class of `code` ("Main" when none is found).
std::string java_class_name(const std::string& code);

/// Replaces the placeholders of `word`.
std::string expand(const std::string& word, const std::string& src, const std::string& java_class,
                   std::size_t memory_bytes);

}  // namespace rooms::runner::detail
