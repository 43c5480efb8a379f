#pragma once
/// Crafted session exports for the import tests of roomd (tests/gateway/security_test.cpp) and
/// roomctl (tests/cli/roomctl_test.cpp): one valid file and the variants that must be refused.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "eventlog/event.hpp"

namespace rooms::testing::import_cases {

using json = nlohmann::json;

inline constexpr const char* crafted_id = "6f1c2b3a-1111-4222-8333-444455556666";

/// A valid export: header, session_created, a join, two edits, a note, a language change.
inline std::vector<json> crafted_lines(const std::string& id = crafted_id) {
  const std::int64_t t0 = rooms::eventlog::now_ms() - 10'000;
  return {
      {{"type", "session"},
       {"format", 1},
       {"sessionId", id},
       {"createdAt", t0},
       {"language", "python"},
       {"title", "Crafted"},
       {"keyHash", rooms::eventlog::sha256_hex("the-key")}},
      {{"seq", 1},
       {"ts", t0},
       {"type", "session_created"},
       {"language", "python"},
       {"title", "Crafted"}},
      {{"seq", 2},
       {"ts", t0 + 1000},
       {"type", "participant_joined"},
       {"participantId", "p1"},
       {"participant",
        {{"participantId", "p1"}, {"name", "Ada"}, {"role", "interviewer"}, {"color", "#ff0000"}}}},
      {{"seq", 3},
       {"ts", t0 + 2000},
       {"type", "code_changed"},
       {"participantId", "p1"},
       {"version", 1},
       {"clientID", "c1"},
       {"changes", json::parse(R"([[0,"def f():","    return 1"]])")}},
      {{"seq", 4},
       {"ts", t0 + 3000},
       {"type", "note_added"},
       {"participantId", "p1"},
       {"noteId", "n_1"},
       {"text", "ok"},
       {"version", 1}},
      {{"seq", 5},
       {"ts", t0 + 4000},
       {"type", "code_changed"},
       {"participantId", "p1"},
       {"version", 2},
       {"clientID", "c1"},
       {"changes", json::parse(R"js([21,[0,"","print(f())"]])js")}},
      {{"seq", 6},
       {"ts", t0 + 5000},
       {"type", "language_changed"},
       {"participantId", "p1"},
       {"language", "javascript"}},
  };
}

inline std::string to_text(const std::vector<json>& lines) {
  std::string out;
  for (const auto& l : lines) out += l.dump() + "\n";
  return out;
}

/// Crafted variants that must all be refused: (what, file text). Shared shape with roomctl_test.
inline std::vector<std::pair<std::string, std::string>> hostile_imports(
    const std::string& id = crafted_id) {
  std::vector<std::pair<std::string, std::string>> out;
  auto variant = [&](const std::string& what, auto edit) {
    auto lines = crafted_lines(id);
    edit(lines);
    out.emplace_back(what, to_text(lines));
  };
  variant("a gap", [](std::vector<json>& l) { l.erase(l.begin() + 4); });
  variant("a duplicate seq", [](std::vector<json>& l) { l.insert(l.begin() + 3, l[3]); });
  variant("not starting at 1", [](std::vector<json>& l) {
    for (std::size_t i = 1; i < l.size(); ++i) l[i]["seq"] = i + 1;
  });
  variant("decreasing seqs", [](std::vector<json>& l) { std::swap(l[4], l[5]); });
  variant("seq 0", [](std::vector<json>& l) { l[1]["seq"] = 0; });
  variant("a negative seq", [](std::vector<json>& l) { l[2]["seq"] = -2; });
  variant("ts going backwards",
          [](std::vector<json>& l) { l[5]["ts"] = l[1]["ts"].get<std::int64_t>() - 1; });
  variant("a 10 KB name",
          [](std::vector<json>& l) { l[2]["participant"]["name"] = std::string(10'000, 'n'); });
  variant("a 10 KB HTML name", [](std::vector<json>& l) {
    std::string name;
    while (name.size() < 10'000) name += "<img src=x onerror=window.__xss=1>";
    l[2]["participant"]["name"] = name;
  });
  variant("a name with control characters",
          [](std::vector<json>& l) { l[2]["participant"]["name"] = "Ada\u0007\u001b[31m"; });
  variant("a name with a newline",
          [](std::vector<json>& l) { l[2]["participant"]["name"] = "Ada\nroot"; });
  variant("an empty name", [](std::vector<json>& l) { l[2]["participant"]["name"] = ""; });
  variant("a name that is not a string",
          [](std::vector<json>& l) { l[2]["participant"]["name"] = json::array({"Ada"}); });
  variant("an unknown role", [](std::vector<json>& l) { l[2]["participant"]["role"] = "admin"; });
  variant("a color with CSS", [](std::vector<json>& l) {
    l[2]["participant"]["color"] = "red;background:url(//evil)";
  });
  variant("a participantId with markup", [](std::vector<json>& l) {
    l[2]["participant"]["participantId"] = "<script>x</script>";
    l[2]["participantId"] = "<script>x</script>";
  });
  variant("a 300-byte title", [](std::vector<json>& l) { l[0]["title"] = std::string(300, 't'); });
  variant("a title with control characters",
          [](std::vector<json>& l) { l[1]["title"] = std::string("a\0b", 3); });
  variant("an HTML language",
          [](std::vector<json>& l) { l[6]["language"] = "<img src=x onerror=window.__xss=1>"; });
  variant("a header HTML language",
          [](std::vector<json>& l) { l[0]["language"] = "<script>window.__xss=1</script>"; });
  variant("a document over 1,000,000 characters", [](std::vector<json>& l) {
    l[3]["changes"] = json::array({json::array({0, std::string(1'000'001, 'x')})});
    l[4]["version"] = 1;
    l[5]["changes"] = json::array({1'000'001, json::array({0, "", "print(f())"})});
  });
  variant("a 20 KB note", [](std::vector<json>& l) { l[4]["text"] = std::string(20'000, 'n'); });
  variant("an empty note", [](std::vector<json>& l) { l[4]["text"] = ""; });
  variant("a 200-byte clientID",
          [](std::vector<json>& l) { l[3]["clientID"] = std::string(200, 'c'); });
  variant("an event that does not fold", [](std::vector<json>& l) { l[5]["version"] = 7; });
  variant("a change set that does not fit",
          [](std::vector<json>& l) { l[5]["changes"] = json::parse(R"([99,[0,"x"]])"); });
  variant("a cursor without fields", [](std::vector<json>& l) {
    l.push_back({{"seq", 7},
                 {"ts", l[6]["ts"]},
                 {"type", "cursor_moved"},
                 {"participantId", "p1"},
                 {"anchor", "x"}});
  });
  variant("a session_expired event", [](std::vector<json>& l) {
    l.push_back({{"seq", 7}, {"ts", l[6]["ts"]}, {"type", "session_expired"}, {"by", "x"}});
  });
  variant("an unknown event type", [](std::vector<json>& l) { l[6]["type"] = "format_disk"; });
  variant("a second session_created", [](std::vector<json>& l) {
    l[6] = {{"seq", 6}, {"ts", l[6]["ts"]}, {"type", "session_created"}};
  });
  variant("event 1 not session_created", [](std::vector<json>& l) {
    l.erase(l.begin() + 1);
    for (std::size_t i = 1; i < l.size(); ++i) l[i]["seq"] = i;
  });
  variant("format version 2", [](std::vector<json>& l) { l[0]["format"] = 2; });
  variant("format version as a string", [](std::vector<json>& l) { l[0]["format"] = "1"; });
  variant("a bad keyHash", [](std::vector<json>& l) { l[0]["keyHash"] = "not-a-hash"; });
  variant("a bad sessionId", [](std::vector<json>& l) { l[0]["sessionId"] = "../../etc"; });
  variant("no header", [](std::vector<json>& l) { l.erase(l.begin()); });
  variant("no events", [](std::vector<json>& l) { l.resize(1); });
  out.emplace_back("a malformed JSON line", [&] {
    auto text = to_text(crafted_lines(id));
    return text.substr(0, text.rfind("{\"seq\":6")) + "{\"seq\":6,\"ts\":1,\"type\":\n";
  }());
  out.emplace_back("a line that is an array", to_text({crafted_lines(id)[0]}) + "[1,2,3]\n");
  out.emplace_back("deeply nested JSON", to_text({crafted_lines(id)[0]}) +
                                             std::string(100'000, '[') + std::string(100'000, ']') +
                                             "\n");
  out.emplace_back("binary garbage", std::string("\x00\xff\xfe garbage\n", 12));
  out.emplace_back("an empty file", "");
  return out;
}

}  // namespace rooms::testing::import_cases
