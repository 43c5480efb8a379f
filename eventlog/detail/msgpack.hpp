#pragma once
/// Private: a small MessagePack reader for the hot decode path.
///
/// nlohmann::json::from_msgpack costs ~2 us for a 150-byte event (its generic SAX machinery
/// dominates), which caps a full session read near 500k events/s. This reader builds the same
/// JSON values directly and reports malformed input as `false`, never by throwing.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rooms::eventlog::detail {

class msgpack_reader {
 public:
  explicit msgpack_reader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}

  /// Any value; false on malformed, truncated or too deeply nested input.
  bool read_value(nlohmann::json& out) { return value(out, 0); }
  bool read_int(std::int64_t& out);
  bool read_uint(std::uint64_t& out);
  bool read_str(std::string& out);
  /// The element count of an array header.
  bool read_array_header(std::size_t& count);
  bool at_end() const { return p_ == end_; }

 private:
  /// Nesting bound: keeps a crafted value from exhausting the stack.
  static constexpr int max_depth = 128;

  bool value(nlohmann::json& out, int depth);
  bool str_of(std::size_t len, std::string& out);
  bool array_of(std::size_t len, nlohmann::json& out, int depth);
  bool map_of(std::size_t len, nlohmann::json& out, int depth);
  bool take(std::size_t n, const char*& at);
  template <class T>
  bool be(T& out);
  bool str_len(std::uint8_t tag, std::size_t& len);

  const char* p_;
  const char* end_;
};

/// Appends MessagePack scalars to a string: the envelope fields without building a JSON value.
class msgpack_writer {
 public:
  explicit msgpack_writer(std::string& out) : out_(out) {}
  void array_header(std::size_t count);
  void int64(std::int64_t v);
  void uint64(std::uint64_t v);
  void str(std::string_view v);

 private:
  void be(std::uint64_t v, int bytes);
  std::string& out_;
};

}  // namespace rooms::eventlog::detail
