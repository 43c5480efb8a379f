// Every language of the table in the real sandbox: hello world, stdin, a compile or syntax
// error, a runtime error. One GoogleTest per (language, case), so ctest times each and a
// language whose toolchain is not installed is SKIPPED with the reason; with
// ROOMS_REQUIRE_ALL_LANGUAGES=1 (tools/test --languages all) a missing one fails instead.

#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "runner/runner.hpp"

namespace {

using namespace rooms::runner;
using namespace std::chrono_literals;

/// What a failing program must show: a word of its message, and for compiled languages
/// whether the compiler (not the program) reported it. A signal instead of a message when
/// the runtime dies by one (C's abort).
struct failure {
  std::string code;
  std::string needle;
  std::string signal = {};
};

struct language_case {
  std::string language;
  bool compiled;
  std::string hello;  ///< prints "hello from <language>"
  std::string echo;   ///< reads the line "interview" from stdin, prints "got interview"
  failure syntax_error;
  failure runtime_error;
};

// clang-format off
const language_case cases[] = {
    {"python", false, "print('hello from python')\n",
     "import sys\nprint('got ' + sys.stdin.readline().strip())\n",
     {"print('x'\n", "SyntaxError"}, {"print(1 // 0)\n", "ZeroDivisionError"}},
    {"javascript", false, "console.log('hello from javascript');\n",
     "const line = require('fs').readFileSync(0, 'utf8').split('\\n')[0];\nconsole.log('got ' + line);\n",
     {"console.log('x';\n", "SyntaxError"}, {"null.x;\n", "TypeError"}},
    {"typescript", true, "const who: string = 'typescript';\nconsole.log(`hello from ${who}`);\n",
     "const line: string = require('fs').readFileSync(0, 'utf8').split('\\n')[0];\n"
     "console.log('got ' + line);\n",
     {"const n: number = 'not a number';\n", "TS2322"},
     {"throw new Error('boom');\n", "Error: boom"}},
    {"c", true, "#include <stdio.h>\nint main(void) { puts(\"hello from c\"); }\n",
     "#include <stdio.h>\nint main(void) { char b[64]; if (scanf(\"%63s\", b) == 1) printf(\"got %s\\n\", b); }\n",
     {"int main(void) { return 0 }\n", "error: expected"},
     {"#include <stdlib.h>\nint main(void) { abort(); }\n", "", "SIGABRT"}},
    {"cpp", true, "#include <iostream>\nint main() { std::cout << \"hello from cpp\\n\"; }\n",
     "#include <iostream>\n#include <string>\nint main() { std::string s; std::cin >> s; std::cout << \"got \" << s << \"\\n\"; }\n",
     {"int main() { return 0 }\n", "error: expected"},
     {"#include <stdexcept>\nint main() { throw std::runtime_error(\"boom\"); }\n", "boom", "SIGABRT"}},
    {"java", true,
     "public class Hello { public static void main(String[] a) { System.out.println(\"hello from java\"); } }\n",
     "import java.util.Scanner;\npublic class Main { public static void main(String[] a) {\n"
     "  System.out.println(\"got \" + new Scanner(System.in).nextLine()); } }\n",
     {"public class Main { public static void main(String[] a) { int x = ; } }\n", "error:"},
     {"public class Main { public static void main(String[] a) { throw new IllegalStateException(\"boom\"); } }\n",
      "IllegalStateException: boom"}},
    {"kotlin", true, "fun main() {\n    println(\"hello from kotlin\")\n}\n",
     "fun main() {\n    val line = readLine()\n    println(\"got $line\")\n}\n",
     {"fun main() {\n    val x: Int = \"text\"\n}\n", "type mismatch"},
     {"fun main() {\n    throw IllegalStateException(\"boom\")\n}\n", "IllegalStateException: boom"}},
    {"scala", true,
     "object Main {\n  def main(args: Array[String]): Unit = println(\"hello from scala\")\n}\n",
     "object Main {\n  def main(args: Array[String]): Unit = {\n    val line = scala.io.StdIn.readLine()\n"
     "    println(s\"got $line\")\n  }\n}\n",
     {"object Main {\n  def main(args: Array[String]): Unit = {\n    val x: Int = \"text\"\n  }\n}\n",
      "type mismatch"},
     {"object Main {\n  def main(args: Array[String]): Unit = throw new IllegalStateException(\"boom\")\n}\n",
      "IllegalStateException: boom"}},
    {"clojure", false, "(println \"hello from clojure\")\n", "(println (str \"got \" (read-line)))\n",
     {"(println \"x\"\n", "EOF while reading"}, {"(println (/ 1 0))\n", "Divide by zero"}},
    {"go", true, "package main\nimport \"fmt\"\nfunc main() { fmt.Println(\"hello from go\") }\n",
     "package main\nimport (\n\t\"bufio\"\n\t\"fmt\"\n\t\"os\"\n)\nfunc main() {\n\ts := bufio.NewScanner(os.Stdin)\n"
     "\ts.Scan()\n\tfmt.Println(\"got \" + s.Text())\n}\n",
     {"package main\nfunc main() {\n\tx :=\n}\n", "syntax error"},
     {"package main\nfunc main() { panic(\"boom\") }\n", "panic: boom"}},
    {"rust", true, "fn main() { println!(\"hello from rust\"); }\n",
     "fn main() {\n    let mut l = String::new();\n    std::io::stdin().read_line(&mut l).unwrap();\n"
     "    println!(\"got {}\", l.trim());\n}\n",
     {"fn main() { let x: i32 = \"text\"; }\n", "mismatched types"},
     {"fn main() { panic!(\"boom\"); }\n", "boom"}},
    {"bash", false, "echo hello from bash\n", "read -r line\necho \"got $line\"\n",
     {"if true; then\n", "syntax error"}, {"no_such_command_here\n", "command not found"}},
    {"ruby", false, "puts 'hello from ruby'\n", "line = gets.chomp\nputs \"got #{line}\"\n",
     {"def f(\nputs 1\n", "syntax error"}, {"puts 1 / 0\n", "divided by 0"}},
    {"php", false, "<?php\necho \"hello from php\\n\";\n",
     "<?php\n$line = trim(fgets(STDIN));\necho \"got $line\\n\";\n",
     {"<?php\necho 'x'\n", "Parse error"},
     {"<?php\nthrow new Exception('boom');\n", "Uncaught Exception: boom"}},
    {"perl", false, "print \"hello from perl\\n\";\n",
     "my $line = <STDIN>;\nchomp $line;\nprint \"got $line\\n\";\n",
     {"print \"x\"\nprint \"y\";\n}\n", "syntax error"}, {"die \"boom\\n\";\n", "boom"}},
    {"lua", false, "print('hello from lua')\n", "local line = io.read('l')\nprint('got ' .. line)\n",
     {"print('x'\n", "expected"}, {"error('boom')\n", "boom"}},
    {"r", false, "cat('hello from r\\n')\n",
     "line <- readLines(file('stdin'), n = 1)\ncat(paste0('got ', line, '\\n'))\n",
     {"cat('x'\n", "unexpected"}, {"stop('boom')\n", "boom"}},
    {"csharp", true, "class P { static void Main() { System.Console.WriteLine(\"hello from csharp\"); } }\n",
     "using System;\nclass P { static void Main() { Console.WriteLine(\"got \" + Console.ReadLine()); } }\n",
     {"class P { static void Main() { int x = \"text\"; } }\n", "error CS0029"},
     {"using System;\nclass P { static void Main() { throw new InvalidOperationException(\"boom\"); } }\n",
      "InvalidOperationException: boom"}},
    {"haskell", true, "main :: IO ()\nmain = putStrLn \"hello from haskell\"\n",
     "main :: IO ()\nmain = do\n  line <- getLine\n  putStrLn (\"got \" ++ line)\n",
     {"main :: IO ()\nmain = putStrLn 42\n", "error"}, {"main :: IO ()\nmain = error \"boom\"\n", "boom"}},
    {"ocaml", true, "let () = print_endline \"hello from ocaml\"\n",
     "let () =\n  let line = input_line stdin in\n  print_endline (\"got \" ^ line)\n",
     {"let () = print_endline 42\n", "Error"}, {"let () = failwith \"boom\"\n", "boom"}},
    {"elixir", false, "IO.puts(\"hello from elixir\")\n",
     "line = IO.gets(\"\") |> String.trim()\nIO.puts(\"got #{line}\")\n",
     {"IO.puts(\"x\"\n", "missing terminator"}, {"raise \"boom\"\n", "(RuntimeError) boom"}},
    {"erlang", true, "-module(main).\n-export([main/1]).\n\nmain(_) ->\n    io:format(\"hello from erlang~n\").\n",
     "-module(main).\n-export([main/1]).\n\nmain(_) ->\n    Line = string:trim(io:get_line(\"\")),\n"
     "    io:format(\"got ~s~n\", [Line]).\n",
     {"-module(main).\n-export([main/1]).\n\nmain(_) ->\n    io:format(\"x~n\"\n", "syntax error"},
     {"-module(main).\n-export([main/1]).\n\nmain(_) ->\n    erlang:error(boom).\n", "boom"}},
    {"pascal", true, "program main;\nbegin\n  writeln('hello from pascal');\nend.\n",
     "program main;\nvar line: string;\nbegin\n  readln(line);\n  writeln('got ', line);\nend.\n",
     {"program main;\nbegin\n  writeln(x);\nend.\n", "Identifier not found"},
     {"program main;\nvar a, b: integer;\nbegin\n  a := 1;\n  b := 0;\n  writeln(a div b);\nend.\n",
      "Runtime error 200"}},
    {"fortran", true, "program main\n  print '(a)', 'hello from fortran'\nend program main\n",
     "program main\n  character(len=64) :: line\n  read(*, '(a)') line\n"
     "  print '(a)', 'got ' // trim(line)\nend program main\n",
     {"program main\n  print *, 'x'\nend program other\n", "Error"},
     {"program main\n  error stop 'boom'\nend program main\n", "boom"}},
    // sql reads no stdin: its "echo" case loads the line through the setup seam instead.
    {"sql", false, "SELECT 'hello from sql';\n", "SELECT 'got ' || word FROM input;\n",
     {"SELEC 1;\n", "syntax error"},
     {"CREATE TABLE t(id INTEGER PRIMARY KEY);\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (1);\n",
      "UNIQUE constraint failed"}},
};
// clang-format on

runner& sandbox() {
  static auto r = [] {
    local_options o;
    o.probe = false;  // offered = installed; each case below is its own probe
    // Generous compile and run clocks: this machine is shared, and the wall times are
    // measured in tools/bench --only languages, not asserted here.
    o.compile_timeout = 60s;
    o.run_timeout = 20s;
    // Its own uid range per test process (ctest runs them in parallel).
    o.sandbox_uid = 300000 + static_cast<int>(::getpid() % 10000) * 16;
    return make_local_runner(o);
  }();
  return *r;
}

std::string describe(const run_result& r) {
  return "error=" + r.error + " exit=" + std::to_string(r.exit_code) + " signal=" + r.signal +
         " timed_out=" + std::to_string(r.timed_out) +
         " compile_failed=" + std::to_string(r.compile_failed) +
         "\nstdout=" + r.stdout_data.substr(0, 500) + "\nstderr=" + r.stderr_data.substr(0, 1500) +
         "\ncompile=" + r.compile_output.substr(0, 1500);
}

class languages : public testing::TestWithParam<language_case> {
 protected:
  void SetUp() override {
    const auto& language = GetParam().language;
    for (const auto& rt : sandbox().runtimes()) {
      if (rt.language == language) return;
    }
    const char* all = std::getenv("ROOMS_REQUIRE_ALL_LANGUAGES");
    if (all != nullptr && std::string(all) == "1") {
      FAIL() << language << " is not installed, and ROOMS_REQUIRE_ALL_LANGUAGES=1";
    }
    GTEST_SKIP() << language
                 << " is not installed on this host (tools/bootstrap --languages all installs it)";
  }

  run_result run(const std::string& code, const std::string& stdin_data = "",
                 const std::string& setup = "") {
    run_request request{GetParam().language, code, stdin_data};
    request.setup = setup;
    return sandbox().run(request);
  }

  /// The program failed the way `f` says, at the stage `at_compile` says.
  void expect_failure(const failure& f, bool at_compile) {
    auto r = run(f.code);
    ASSERT_EQ(r.error, "") << describe(r);
    EXPECT_FALSE(r.timed_out) << describe(r);
    EXPECT_EQ(r.compile_failed, at_compile) << describe(r);
    EXPECT_TRUE(r.exit_code != 0 || !r.signal.empty()) << describe(r);
    EXPECT_EQ(r.signal, f.signal) << describe(r);
    const std::string& text = at_compile ? r.compile_output : r.stderr_data;
    EXPECT_NE(text.find(f.needle), std::string::npos)
        << "expected \"" << f.needle << "\" in " << (at_compile ? "compile output" : "stderr")
        << "\n"
        << describe(r);
  }
};

TEST_P(languages, hello_world) {
  auto r = run(GetParam().hello);
  ASSERT_EQ(r.error, "") << describe(r);
  EXPECT_EQ(r.stdout_data, "hello from " + GetParam().language + "\n") << describe(r);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_FALSE(r.compile_failed) << describe(r);
}

TEST_P(languages, reads_stdin) {
  bool sql = GetParam().language == "sql";
  auto r = sql ? run(GetParam().echo, "ignored\n",
                     "CREATE TABLE input(word TEXT);\nINSERT INTO input VALUES ('interview');\n")
               : run(GetParam().echo, "interview\n");
  ASSERT_EQ(r.error, "") << describe(r);
  EXPECT_EQ(r.stdout_data, "got interview\n") << describe(r);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

TEST_P(languages, syntax_or_compile_error) {
  expect_failure(GetParam().syntax_error, GetParam().compiled);
}

TEST_P(languages, runtime_error) {
  expect_failure(GetParam().runtime_error, false);
}

INSTANTIATE_TEST_SUITE_P(sandbox, languages, testing::ValuesIn(cases),
                         [](const testing::TestParamInfo<language_case>& info) {
                           return info.param.language;
                         });

}  // namespace
