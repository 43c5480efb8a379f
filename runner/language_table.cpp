// The one table of languages the local runner knows. Every toolchain is a Debian 12 package
// under /usr (tools/bootstrap installs them; README.md lists which are in the default set).

#include "runner/languages.hpp"

namespace rooms::runner::detail {
namespace {

using words = std::vector<std::string>;

// JVM flags shared by every JVM language and its compiler: a small code cache and class
// space so the reservations fit under the raised RLIMIT_AS, the serial GC and C1 only because
// interview programs are short and start-up dominates, no hsperfdata files, and a fixed CPU
// count so the JVM does not start a thread per host core (threads count against RLIMIT_NPROC).
const words jvm_flags = {
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:ReservedCodeCacheSize=32m",
    "-XX:CompressedClassSpaceSize=64m",
    "-XX:MaxMetaspaceSize=128m",
    "-XX:-UsePerfData",
    "-XX:ActiveProcessorCount=2",
    "-Xss8m",
};

words concat(words head, const words& middle, const words& tail) {
  head.insert(head.end(), middle.begin(), middle.end());
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

/// `java <heap> <jvm_flags> <rest>`; compilers get a fixed heap, programs half the limit.
words java(const std::string& heap, const words& rest) {
  return concat({"/usr/bin/java", "-Xmx" + heap}, jvm_flags, rest);
}

words javac_command() {
  words c{"/usr/bin/javac", "-J-Xmx256m"};
  for (const auto& f : jvm_flags) c.push_back("-J" + f);
  return concat(c, {"-encoding", "UTF-8", "-d", "/work", "{src}"}, {});
}

const std::string kotlin_lib = "/usr/share/kotlin/kotlinc/lib/";
const std::string scala_lib = "/usr/share/scala-2.11/lib/";
const std::string clojure_jar = "/usr/share/java/clojure-1.11.jar";

// A compile cache for the JVM languages: a class-data-sharing archive of the compiler's (or
// Clojure's) classes, written once by tools/bootstrap from a hello world (same flags and
// class path as here, or the JVM ignores it). It halves the compiler's start-up CPU time. It
// is read-only, bound into the sandbox, and holds no state of any run; -Xshare:auto and the
// silenced cds logs make a missing or stale archive a silent no-op.
const std::string cds_dir = "/var/cache/rooms/cds";
words cds(const std::string& name) {
  return {"-XX:SharedArchiveFile=" + cds_dir + "/" + name + ".jsa", "-Xshare:auto", "-Xlog:cds=off",
          "-Xlog:cds+dynamic=off"};
}

// The compilers are started directly (not through the kotlinc and scalac scripts) so they
// get the JVM flags and the archive; Kotlin's class path then needs the trove jar its
// preloader would have found.
words kotlinc(const words& args) {
  return java(
      "512m",
      concat(cds("kotlinc"),
             {"-cp", kotlin_lib + "kotlin-compiler.jar:/usr/share/java/libtrove-intellij.jar",
              "org.jetbrains.kotlin.cli.jvm.K2JVMCompiler", "-kotlin-home",
              "/usr/share/kotlin/kotlinc"},
             args));
}

words scalac(const words& args) {
  return java("512m", concat(cds("scalac"),
                             {"-cp",
                              scala_lib + "scala-compiler.jar:" + scala_lib +
                                  "scala-library.jar:" + scala_lib + "scala-reflect.jar",
                              "-Dscala.usejavacp=true", "scala.tools.nsc.Main"},
                             args));
}

// BEAM starts schedulers and dirty schedulers per host core and ten dirty I/O threads;
// threads count against RLIMIT_NPROC, so their numbers are fixed.
// The literal area's super carrier (1 GiB of address space by default) is cut to 128 MiB so
// the VM starts under RLIMIT_AS.
const std::string erl_flags = "ERL_FLAGS=+S 2:2 +SDcpu 2:2 +SDio 2 +A 1 +MIscs 128";

// Debian ships no @types/node: these declarations let TypeScript programs use the Node
// globals (reading stdin through require('fs') or process.stdin) without type errors; console
// too, as the DOM library that declares it is left out.
const char* node_globals_dts =
    "// The Node.js globals an interview program uses (Debian ships no @types/node).\n"
    "declare var console: any;\n"
    "declare var process: any;\n"
    "declare var require: (id: string) => any;\n"
    "declare var module: any;\n"
    "declare var exports: any;\n"
    "declare var Buffer: any;\n"
    "declare var __dirname: string;\n"
    "declare var __filename: string;\n";

}  // namespace

const std::vector<language>& language_table() {
  static const std::vector<language> table = {
      {.name = "python",
       .aliases = {"py", "python3"},
       .source_file = "main.py",
       // -u: unbuffered, so output printed before a timeout kill is not lost.
       .run = {"/usr/bin/python3", "-u", "{src}"},
       .repl = {"/usr/bin/python3", "-q"},
       .version = {"/usr/bin/python3", "--version"},
       .env = {"PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8"},
       .hello = "print('hello, world')\n",
       .requires_paths = {"/usr/bin/python3"}},
      {.name = "javascript",
       .aliases = {"js", "node", "nodejs"},
       .source_file = "main.js",
       // --v8-pool-size and UV_THREADPOOL_SIZE: a fixed number of worker threads instead of
       // one per host core (threads count against RLIMIT_NPROC).
       .run = {"/usr/bin/node", "--max-old-space-size={heap_mb}", "--v8-pool-size=2", "{src}"},
       .repl = {"/usr/bin/node", "--max-old-space-size={heap_mb}", "--v8-pool-size=2"},
       .version = {"/usr/bin/node", "--version"},
       .env = {"UV_THREADPOOL_SIZE=2"},
       .memory = memory_model::managed,
       .hello = "console.log('hello, world');\n",
       .requires_paths = {"/usr/bin/node"}},
      {.name = "typescript",
       .aliases = {"ts", "tsc"},
       .source_file = "main.ts",
       // Type errors fail the compile (tsc exits non-zero; its JavaScript is not run). Only
       // the ES2020 library (not the DOM's, four times its size) and no checking of the .d.ts
       // files themselves: a quarter of tsc's CPU time for a short program.
       .compile = {"/usr/bin/node", "--max-old-space-size=1024", "--v8-pool-size=2",
                   "/usr/share/nodejs/typescript/bin/tsc", "--pretty", "false", "--target",
                   "es2020", "--lib", "es2020", "--skipLibCheck", "--module", "commonjs",
                   "--outDir", "/work", "{src}", "/work/node-globals.d.ts"},
       .run = {"/usr/bin/node", "--max-old-space-size={heap_mb}", "--v8-pool-size=2",
               "/work/main.js"},
       .version = {"/usr/bin/node", "/usr/share/nodejs/typescript/bin/tsc", "--version"},
       .env = {"UV_THREADPOOL_SIZE=2"},
       .memory = memory_model::managed,
       .hello = "const greeting: string = 'hello, world';\nconsole.log(greeting);\n",
       .requires_paths = {"/usr/bin/node", "/usr/share/nodejs/typescript/bin/tsc"},
       .extra_files = {{"node-globals.d.ts", node_globals_dts}}},
      {.name = "c",
       .aliases = {"gcc", "c17"},
       .source_file = "main.c",
       .compile = {"/usr/bin/gcc", "-std=gnu17", "-O2", "-pipe", "-o", "/work/main", "{src}",
                   "-lm"},
       .run = {"/work/main"},
       .version = {"/usr/bin/gcc", "-dumpfullversion"},
       .hello = "#include <stdio.h>\nint main(void) { puts(\"hello, world\"); return 0; }\n",
       .requires_paths = {"/usr/bin/gcc"}},
      {.name = "cpp",
       .aliases = {"c++", "cxx", "g++", "cpp20"},
       .source_file = "main.cpp",
       .compile = {"/usr/bin/g++", "-std=gnu++20", "-O2", "-pipe", "-o", "/work/main", "{src}"},
       .run = {"/work/main"},
       .version = {"/usr/bin/g++", "-dumpfullversion"},
       .hello = "#include <iostream>\nint main() { std::cout << \"hello, world\" << std::endl; }\n",
       .requires_paths = {"/usr/bin/g++"}},
      {.name = "java",
       .aliases = {"jdk"},
       .source_file = "{class}.java",
       .compile = javac_command(),
       .run = java("{heap_mb}m", {"-Dfile.encoding=UTF-8", "-cp", "/work", "{class}"}),
       .version = {"/usr/bin/java", "-Xmx64m", "-XX:+UseSerialGC", "-XX:ReservedCodeCacheSize=32m",
                   "-XX:CompressedClassSpaceSize=64m", "-version"},
       .env = {"MALLOC_ARENA_MAX=2"},
       .memory = memory_model::managed,
       .hello = "public class Main {\n  public static void main(String[] args) {\n"
                "    System.out.println(\"hello, world\");\n  }\n}\n",
       .requires_paths = {"/usr/bin/java", "/usr/bin/javac"}},
      {.name = "kotlin",
       .aliases = {"kt", "kotlinc"},
       .source_file = "main.kt",
       .compile = kotlinc({"-no-reflect", "-d", "/work", "{src}"}),
       .run = java("{heap_mb}m", {"-Dfile.encoding=UTF-8", "-cp",
                                  "/work:" + kotlin_lib + "kotlin-stdlib.jar", "MainKt"}),
       .version = kotlinc({"-version"}),
       .env = {"MALLOC_ARENA_MAX=2"},
       .memory = memory_model::managed,
       .hello = "fun main() {\n    println(\"hello, world\")\n}\n",
       .requires_paths = {"/usr/bin/java", kotlin_lib + "kotlin-compiler.jar"},
       .host_binds = {cds_dir}},
      {.name = "scala",
       .aliases = {"scalac"},
       .source_file = "main.scala",
       .compile = scalac({"-d", "/work", "{src}"}),
       .run = java("{heap_mb}m", {"-Dfile.encoding=UTF-8", "-cp",
                                  "/work:" + scala_lib + "scala-library.jar", "Main"}),
       .version = scalac({"-version"}),
       .env = {"MALLOC_ARENA_MAX=2"},
       .memory = memory_model::managed,
       .hello =
           "object Main {\n  def main(args: Array[String]): Unit = println(\"hello, world\")\n}\n",
       .requires_paths = {"/usr/bin/java", scala_lib + "scala-compiler.jar"},
       .host_binds = {cds_dir}},
      {.name = "clojure",
       .aliases = {"clj"},
       .source_file = "main.clj",
       .run = java("{heap_mb}m",
                   {"-Dfile.encoding=UTF-8", "-cp", clojure_jar, "clojure.main", "{src}"}),
       .version =
           java("64m", {"-cp", clojure_jar, "clojure.main", "-e", "(println (clojure-version))"}),
       .env = {"MALLOC_ARENA_MAX=2"},
       .memory = memory_model::managed,
       .hello = "(println \"hello, world\")\n",
       .requires_paths = {"/usr/bin/java", clojure_jar},
       .host_binds = {cds_dir}},
      {.name = "go",
       .aliases = {"golang"},
       .source_file = "main.go",
       .compile = {"/usr/bin/go", "build", "-o", "/work/main", "{src}"},
       .run = {"/work/main"},
       .version = {"/usr/bin/go", "version"},
       // The build cache lives on the sandbox's tmpfs: each run compiles from a cold cache,
       // which is fine because Debian ships the standard library precompiled.
       .env = {"GOCACHE=/tmp/.gocache", "GOPATH=/tmp/go", "GO111MODULE=off", "GOMAXPROCS=2",
               "GOMEMLIMIT={mem}B", "CGO_ENABLED=0", "GOTOOLCHAIN=local"},
       .memory = memory_model::managed,
       .hello =
           "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hello, world\")\n}\n",
       .requires_paths = {"/usr/bin/go"}},
      {.name = "rust",
       .aliases = {"rs", "rustc"},
       .source_file = "main.rs",
       .compile = {"/usr/bin/rustc", "--edition", "2021", "-C", "opt-level=1", "-C", "debuginfo=0",
                   "-o", "/work/main", "{src}"},
       .run = {"/work/main"},
       .version = {"/usr/bin/rustc", "--version"},
       .hello = "fn main() {\n    println!(\"hello, world\");\n}\n",
       .requires_paths = {"/usr/bin/rustc", "/usr/bin/cc"}},
      {.name = "bash",
       .aliases = {"sh", "shell"},
       .source_file = "main.sh",
       .run = {"/usr/bin/bash", "{src}"},
       .repl = {"/usr/bin/bash", "--norc", "--noprofile", "-i"},
       .version = {"/usr/bin/bash", "--version"},
       .hello = "echo 'hello, world'\n",
       .requires_paths = {"/usr/bin/bash"}},
      {.name = "ruby",
       .aliases = {"rb"},
       .source_file = "main.rb",
       .run = {"/usr/bin/ruby", "{src}"},
       .repl = {"/usr/bin/irb", "--nocolorize"},
       .version = {"/usr/bin/ruby", "--version"},
       .hello = "puts 'hello, world'\n",
       .requires_paths = {"/usr/bin/ruby"}},
      {.name = "php",
       .aliases = {"php8"},
       .source_file = "main.php",
       // No php.ini is visible in the sandbox; errors go to stderr (the CLI default is stdout).
       .run = {"/usr/bin/php", "-d", "display_errors=stderr", "-d", "log_errors=0", "{src}"},
       .repl = {"/usr/bin/php", "-a"},
       .version = {"/usr/bin/php", "--version"},
       .hello = "<?php\necho \"hello, world\\n\";\n",
       .requires_paths = {"/usr/bin/php"}},
      {.name = "perl",
       .aliases = {"pl", "perl5"},
       .source_file = "main.pl",
       .run = {"/usr/bin/perl", "{src}"},
       .repl = {"/usr/bin/perl", "-de0"},
       .version = {"/usr/bin/perl", "--version"},
       .hello = "print \"hello, world\\n\";\n",
       .requires_paths = {"/usr/bin/perl"}},
      {.name = "lua",
       .aliases = {"lua5.4"},
       .source_file = "main.lua",
       .run = {"/usr/bin/lua5.4", "{src}"},
       .repl = {"/usr/bin/lua5.4", "-i"},
       .version = {"/usr/bin/lua5.4", "-v"},
       .hello = "print('hello, world')\n",
       .requires_paths = {"/usr/bin/lua5.4"}},
      {.name = "r",
       .aliases = {"rscript"},
       .source_file = "main.R",
       .run = {"/usr/bin/Rscript", "--no-save", "--no-restore", "{src}"},
       .repl = {"/usr/bin/R", "--no-save", "--no-restore", "--quiet"},
       .version = {"/usr/bin/Rscript", "--version"},
       .hello = "cat('hello, world\\n')\n",
       .requires_paths = {"/usr/bin/Rscript"},
       .host_binds = {"/etc/R"},
       .min_open_files = 256},
      {.name = "csharp",
       .aliases = {"cs", "c#", "mono"},
       .source_file = "main.cs",
       .compile = {"/usr/bin/mcs", "-optimize+", "-out:/work/main.exe", "{src}"},
       .run = {"/usr/bin/mono", "/work/main.exe"},
       .version = {"/usr/bin/mono", "--version"},
       .env = {"MONO_GC_PARAMS=max-heap-size={heap_mb}m"},
       .memory = memory_model::managed,
       .hello = "using System;\n\nclass Program {\n  static void Main() {\n"
                "    Console.WriteLine(\"hello, world\");\n  }\n}\n",
       .requires_paths = {"/usr/bin/mcs", "/usr/bin/mono"},
       .host_binds = {"/etc/mono"}},
      {.name = "haskell",
       .aliases = {"hs", "ghc"},
       .source_file = "main.hs",
       // Objects in the sandbox's /tmp; the heap limit is linked into the program.
       .compile = {"/usr/bin/ghc", "-O1", "-v0", "-outputdir", "/tmp/ghc", "-rtsopts",
                   "-with-rtsopts=-M{heap_mb}m", "-o", "/work/main", "{src}"},
       .run = {"/work/main"},
       .version = {"/usr/bin/ghc", "--numeric-version"},
       .memory = memory_model::managed,
       .hello = "main :: IO ()\nmain = putStrLn \"hello, world\"\n",
       .requires_paths = {"/usr/bin/ghc"},
       .host_binds = {"/var/lib/ghc"}},
      {.name = "ocaml",
       .aliases = {"ml"},
       .source_file = "main.ml",
       .compile = {"/usr/bin/ocamlopt", "-o", "/work/main", "{src}"},
       .run = {"/work/main"},
       .repl = {"/usr/bin/ocaml"},
       .version = {"/usr/bin/ocamlopt", "-version"},
       .hello = "let () = print_endline \"hello, world\"\n",
       .requires_paths = {"/usr/bin/ocamlopt"}},
      {.name = "elixir",
       .aliases = {"ex", "exs"},
       .source_file = "main.exs",
       .run = {"/usr/bin/elixir", "{src}"},
       .repl = {"/usr/bin/iex"},
       .version = {"/usr/bin/elixir", "-e", "IO.puts(System.version())"},
       .env = {erl_flags},
       .memory = memory_model::managed,
       .hello = "IO.puts(\"hello, world\")\n",
       .requires_paths = {"/usr/bin/elixir", "/usr/bin/erl"}},
      {.name = "erlang",
       .aliases = {"erl"},
       .source_file = "main.erl",
       // Compiled by erlc (real compile errors), run by escript, which calls main:main/1.
       .compile = {"/usr/bin/erlc", "-o", "/work", "{src}"},
       .run = {"/usr/bin/escript", "/work/main.beam"},
       .repl = {"/usr/bin/erl"},
       .version = {"/usr/bin/erl", "-noshell", "-eval",
                   "{ok, V} = file:read_file(filename:join([code:root_dir(), \"releases\", "
                   "erlang:system_info(otp_release), \"OTP_VERSION\"])), io:put_chars(V), halt()."},
       .env = {erl_flags},
       .memory = memory_model::managed,
       .hello = "-module(main).\n-export([main/1]).\n\nmain(_) ->\n"
                "    io:format(\"hello, world~n\").\n",
       .requires_paths = {"/usr/bin/erlc", "/usr/bin/escript"}},
      {.name = "pascal",
       .aliases = {"pas", "fpc", "freepascal"},
       .source_file = "main.pas",
       // -v0: no banner or progress lines, errors still shown.
       .compile = {"/usr/bin/fpc", "-O2", "-v0", "-FE/work", "-o/work/main", "{src}"},
       .run = {"/work/main"},
       .version = {"/usr/bin/fpc", "-iV"},
       .hello = "program main;\nbegin\n  writeln('hello, world');\nend.\n",
       .requires_paths = {"/usr/bin/fpc"},
       .host_binds = {"/etc/fpc.cfg", "/etc/fpc-3.2.2.cfg"}},
      {.name = "fortran",
       .aliases = {"f90", "gfortran"},
       .source_file = "main.f90",
       .compile = {"/usr/bin/gfortran", "-O2", "-pipe", "-o", "/work/main", "{src}"},
       .run = {"/work/main"},
       .version = {"/usr/bin/gfortran", "-dumpfullversion"},
       .hello = "program main\n  print '(a)', 'hello, world'\nend program main\n",
       .requires_paths = {"/usr/bin/gfortran"}},
      {.name = "sql",
       .aliases = {"sqlite", "sqlite3"},
       .source_file = "main.sql",
       // A fresh in-memory database per run: the setup (a question's tables, later), then the
       // program; -bail stops at the first error and exits 1. stdin is not read.
       .run = {"/usr/bin/sqlite3", "-batch", "-bail", ":memory:", ".read /work/setup.sql",
               ".read {src}"},
       // The REPL starts on the same tables.
       .repl = {"/usr/bin/sqlite3", "-interactive", "-cmd", ".read /work/setup.sql", ":memory:"},
       .version = {"/usr/bin/sqlite3", "--version"},
       .hello = "SELECT 'hello, world';\n",
       .requires_paths = {"/usr/bin/sqlite3"},
       .setup_file = "setup.sql"},
      {.name = "postgresql",
       .aliases = {"postgres", "psql"},
       .source_file = "main.sql",
       // Against local_options::postgres, a database of its own per run (runner/postgres.hpp):
       // the server's socket directory is /pg, PGHOST, PGPORT, PGUSER, PGDATABASE and PGPASSWORD
       // name the run's role and database. -A -t prints rows as sqlite3 -batch does (a|b, no
       // header); ON_ERROR_STOP ends at the first error with exit 3; -X: no ~/.psqlrc. The
       // versioned binary, not /usr/bin/psql: that is Debian's pg_wrapper, a Perl script reading
       // /etc/postgresql-common, which the sandbox does not have.
       .run = {"/usr/lib/postgresql/15/bin/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
               "-f", "/work/setup.sql", "-f", "{src}"},
       .version = {"/usr/lib/postgresql/15/bin/psql", "--version"},
       .hello = "SELECT 'hello, world';\n",
       .requires_paths = {"/usr/lib/postgresql/15/bin/psql"},
       .setup_file = "setup.sql",
       .postgres = true},
  };
  return table;
}

}  // namespace rooms::runner::detail
