#include "runner/languages.hpp"

#include <cctype>

namespace rooms::runner::detail {

// JVM flags shared by javac (as -J...) and java: a small code cache and class space so the
// reservations fit under the raised RLIMIT_AS, the serial GC and C1 only because interview
// programs are short and start-up dominates, no hsperfdata files, and a fixed CPU count so
// the JVM does not start a thread per host core (threads count against RLIMIT_NPROC).
static const std::vector<std::string> jvm_flags = {
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:ReservedCodeCacheSize=32m",
    "-XX:CompressedClassSpaceSize=64m",
    "-XX:MaxMetaspaceSize=128m",
    "-XX:-UsePerfData",
    "-XX:ActiveProcessorCount=2",
    "-Xss8m",
};

static std::vector<std::string> javac_command() {
  std::vector<std::string> c{"/usr/bin/javac", "-J-Xmx256m"};
  for (const auto& f : jvm_flags) c.push_back("-J" + f);
  for (const auto& w : {"-encoding", "UTF-8", "-d", "/work", "{src}"}) c.emplace_back(w);
  return c;
}

static std::vector<std::string> java_command() {
  std::vector<std::string> c{"/usr/bin/java", "-Xmx{heap_mb}m"};
  c.insert(c.end(), jvm_flags.begin(), jvm_flags.end());
  for (const auto& w : {"-Dfile.encoding=UTF-8", "-cp", "/work", "{class}"}) c.emplace_back(w);
  return c;
}

const std::vector<language>& language_table() {
  static const std::vector<language> table = {
      {"python",
       {"py", "python3"},
       "main.py",
       {},
       // -u: unbuffered, so output printed before a timeout kill is not lost.
       {"/usr/bin/python3", "-u", "{src}"},
       {"/usr/bin/python3", "--version"},
       {"PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8"},
       memory_model::native,
       "print('hello, world')\n",
       {"/usr/bin/python3"}},
      {"javascript",
       {"js", "node", "nodejs"},
       "main.js",
       {},
       // --v8-pool-size and UV_THREADPOOL_SIZE: a fixed number of worker threads instead of
       // one per host core (threads count against RLIMIT_NPROC).
       {"/usr/bin/node", "--max-old-space-size={heap_mb}", "--v8-pool-size=2", "{src}"},
       {"/usr/bin/node", "--version"},
       {"UV_THREADPOOL_SIZE=2"},
       memory_model::managed,
       "console.log('hello, world');\n",
       {"/usr/bin/node"}},
      {"c",
       {"gcc", "c17"},
       "main.c",
       {"/usr/bin/gcc", "-std=gnu17", "-O2", "-pipe", "-o", "/work/main", "{src}", "-lm"},
       {"/work/main"},
       {"/usr/bin/gcc", "-dumpfullversion"},
       {},
       memory_model::native,
       "#include <stdio.h>\nint main(void) { puts(\"hello, world\"); return 0; }\n",
       {"/usr/bin/gcc"}},
      {"cpp",
       {"c++", "cxx", "g++", "cpp20"},
       "main.cpp",
       {"/usr/bin/g++", "-std=gnu++20", "-O2", "-pipe", "-o", "/work/main", "{src}"},
       {"/work/main"},
       {"/usr/bin/g++", "-dumpfullversion"},
       {},
       memory_model::native,
       "#include <iostream>\nint main() { std::cout << \"hello, world\" << std::endl; }\n",
       {"/usr/bin/g++"}},
      {"java",
       {"jdk"},
       "{class}.java",
       javac_command(),
       java_command(),
       {"/usr/bin/java", "-Xmx64m", "-XX:+UseSerialGC", "-XX:ReservedCodeCacheSize=32m",
        "-XX:CompressedClassSpaceSize=64m", "-version"},
       {"MALLOC_ARENA_MAX=2"},
       memory_model::managed,
       "public class Main {\n  public static void main(String[] args) {\n"
       "    System.out.println(\"hello, world\");\n  }\n}\n",
       {"/usr/bin/java", "/usr/bin/javac"}},
      {"go",
       {"golang"},
       "main.go",
       {"/usr/bin/go", "build", "-o", "/work/main", "{src}"},
       {"/work/main"},
       {"/usr/bin/go", "version"},
       // The build cache lives on the sandbox's tmpfs: each run compiles from a cold cache,
       // which is fine because Debian ships the standard library precompiled.
       {"GOCACHE=/tmp/.gocache", "GOPATH=/tmp/go", "GO111MODULE=off", "GOMAXPROCS=2",
        "GOMEMLIMIT={mem}B", "CGO_ENABLED=0", "GOTOOLCHAIN=local"},
       memory_model::managed,
       "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hello, world\")\n}\n",
       {"/usr/bin/go"}},
      {"rust",
       {"rs", "rustc"},
       "main.rs",
       {"/usr/bin/rustc", "--edition", "2021", "-C", "opt-level=1", "-C", "debuginfo=0", "-o",
        "/work/main", "{src}"},
       {"/work/main"},
       {"/usr/bin/rustc", "--version"},
       {},
       memory_model::native,
       "fn main() {\n    println!(\"hello, world\");\n}\n",
       {"/usr/bin/rustc", "/usr/bin/cc"}},
      {"bash",
       {"sh", "shell"},
       "main.sh",
       {},
       {"/usr/bin/bash", "{src}"},
       {"/usr/bin/bash", "--version"},
       {},
       memory_model::native,
       "echo 'hello, world'\n",
       {"/usr/bin/bash"}},
  };
  return table;
}

std::string java_class_name(const std::string& code) {
  // A plain token scan rather than std::regex: the document may be a megabyte and libstdc++'s
  // regex recurses per character.
  auto is_ident = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$';
  };
  std::size_t pos = 0;
  while ((pos = code.find("public", pos)) != std::string::npos) {
    std::size_t i = pos + 6;
    if ((pos > 0 && is_ident(code[pos - 1])) || i >= code.size() || is_ident(code[i])) {
      pos = i;
      continue;
    }
    // Words after "public": modifiers, then "class", then the name.
    std::string words[4];
    for (auto& w : words) {
      while (i < code.size() && std::isspace(static_cast<unsigned char>(code[i]))) ++i;
      while (i < code.size() && is_ident(code[i])) w += code[i++];
    }
    for (int k = 0; k < 3; ++k) {
      if (words[k] == "class" && !words[k + 1].empty()) return words[k + 1];
      if (words[k] != "final" && words[k] != "abstract" && words[k] != "static") break;
    }
    pos += 6;
  }
  return "Main";
}

std::string expand(const std::string& word, const std::string& src, const std::string& java_class,
                   std::size_t memory_bytes) {
  std::string out;
  out.reserve(word.size());
  for (std::size_t i = 0; i < word.size();) {
    auto replace = [&](const char* key, const std::string& value) {
      std::string k(key);
      if (word.compare(i, k.size(), k) == 0) {
        out += value;
        i += k.size();
        return true;
      }
      return false;
    };
    if (word[i] == '{' && (replace("{src}", src) || replace("{class}", java_class) ||
                           replace("{heap_mb}", std::to_string(memory_bytes / 2 / (1u << 20))) ||
                           replace("{mem}", std::to_string(memory_bytes)))) {
      continue;
    }
    out += word[i++];
  }
  return out;
}

}  // namespace rooms::runner::detail
