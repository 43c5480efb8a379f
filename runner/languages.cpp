#include "runner/languages.hpp"

#include <cctype>

namespace rooms::runner::detail {

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
