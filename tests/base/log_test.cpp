/// base/log's line formats: text with the context in brackets, JSON one object per line.

#include "base/log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace rooms::log {
namespace {

TEST(LogFormat, TextAddsTheContextOnlyWhenThereIsOne) {
  EXPECT_EQ(format_line(format::text, "T", level::info, "hello", {}), "T info  hello");
  EXPECT_EQ(format_line(format::text, "T", level::warn, "m", {"s1", "p1", "r1"}),
            "T warn  m [request=r1 session=s1 participant=p1]");
}

TEST(LogFormat, JsonIsOneValidObjectWhateverTheMessageHolds) {
  std::string message = "quote \" backslash \\ newline \n tab \t nul";
  message.push_back('\0');
  message += " bad utf-8 \xff\xfe end";
  auto line = format_line(format::json, "2026-01-01T00:00:00.000Z", level::error, message,
                          {"sess", "", "req-1"});
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line";
  auto j = nlohmann::json::parse(line, nullptr, false);
  ASSERT_TRUE(j.is_object()) << line;
  EXPECT_EQ(j["time"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["session"], "sess");
  EXPECT_EQ(j["requestId"], "req-1");
  EXPECT_FALSE(j.contains("participant")) << "unknown fields are left out";
  auto text = j["message"].get<std::string>();
  EXPECT_EQ(text.substr(0, 41), message.substr(0, 41));
  EXPECT_NE(text.find("bad utf-8 \xEF\xBF\xBD"), std::string::npos) << "U+FFFD for bad bytes";
}

TEST(LogFormat, ScopedContextNestsAndRestores) {
  EXPECT_EQ(current_context().request_id, "");
  {
    scoped_context outer({"s", "", "r1"});
    EXPECT_EQ(current_context().request_id, "r1");
    {
      scoped_context inner({"s", "p", "r2"});
      EXPECT_EQ(current_context().request_id, "r2");
      EXPECT_EQ(current_context().participant, "p");
    }
    EXPECT_EQ(current_context().request_id, "r1");
    EXPECT_EQ(current_context().participant, "");
  }
  EXPECT_EQ(current_context().session, "");
}

TEST(LogFormat, Names) {
  format f = format::text;
  EXPECT_TRUE(parse_format("json", f));
  EXPECT_EQ(f, format::json);
  EXPECT_FALSE(parse_format("xml", f));
}

}  // namespace
}  // namespace rooms::log
