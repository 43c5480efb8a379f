#include "eventlog/detail/msgpack.hpp"

#include <cstring>

namespace rooms::eventlog::detail {

bool msgpack_reader::take(std::size_t n, const char*& at) {
  if (static_cast<std::size_t>(end_ - p_) < n) return false;
  at = p_;
  p_ += n;
  return true;
}

template <class T>
bool msgpack_reader::be(T& out) {
  const char* at = nullptr;
  if (!take(sizeof(T), at)) return false;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v = v << 8 | static_cast<std::uint8_t>(at[i]);
  if constexpr (std::is_same_v<T, float>) {
    auto bits = static_cast<std::uint32_t>(v);
    std::memcpy(&out, &bits, sizeof out);
  } else if constexpr (std::is_same_v<T, double>) {
    std::memcpy(&out, &v, sizeof out);
  } else {
    out = static_cast<T>(v);
  }
  return true;
}

bool msgpack_reader::str_len(std::uint8_t tag, std::size_t& len) {
  if ((tag & 0xe0) == 0xa0) {
    len = tag & 0x1f;
    return true;
  }
  if (tag == 0xd9) {
    std::uint8_t n;
    if (!be(n)) return false;
    len = n;
    return true;
  }
  if (tag == 0xda) {
    std::uint16_t n;
    if (!be(n)) return false;
    len = n;
    return true;
  }
  if (tag == 0xdb) {
    std::uint32_t n;
    if (!be(n)) return false;
    len = n;
    return true;
  }
  return false;
}

bool msgpack_reader::str_of(std::size_t len, std::string& out) {
  const char* at = nullptr;
  if (!take(len, at)) return false;
  out.assign(at, len);
  return true;
}

bool msgpack_reader::read_str(std::string& out) {
  std::uint8_t tag;
  std::size_t len;
  return be(tag) && str_len(tag, len) && str_of(len, out);
}

bool msgpack_reader::read_array_header(std::size_t& count) {
  std::uint8_t tag;
  if (!be(tag)) return false;
  if ((tag & 0xf0) == 0x90) {
    count = tag & 0x0f;
    return true;
  }
  if (tag == 0xdc) {
    std::uint16_t n;
    if (!be(n)) return false;
    count = n;
    return true;
  }
  if (tag == 0xdd) {
    std::uint32_t n;
    if (!be(n)) return false;
    count = n;
    return true;
  }
  return false;
}

bool msgpack_reader::read_int(std::int64_t& out) {
  nlohmann::json v;
  if (!value(v, max_depth)) return false;
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return false;
    out = static_cast<std::int64_t>(u);
    return true;
  }
  if (!v.is_number_integer()) return false;
  out = v.get<std::int64_t>();
  return true;
}

bool msgpack_reader::read_uint(std::uint64_t& out) {
  nlohmann::json v;
  if (!value(v, max_depth) || !v.is_number_unsigned()) return false;
  out = v.get<std::uint64_t>();
  return true;
}

bool msgpack_reader::array_of(std::size_t len, nlohmann::json& out, int depth) {
  // Every element takes at least one byte: a larger count is a lie, not a reason to allocate.
  if (len > static_cast<std::size_t>(end_ - p_)) return false;
  out = nlohmann::json::array();
  auto& items = out.get_ref<nlohmann::json::array_t&>();
  items.resize(len);
  for (auto& item : items) {
    if (!value(item, depth + 1)) return false;
  }
  return true;
}

bool msgpack_reader::map_of(std::size_t len, nlohmann::json& out, int depth) {
  if (len > static_cast<std::size_t>(end_ - p_) / 2) return false;
  out = nlohmann::json::object();
  auto& fields = out.get_ref<nlohmann::json::object_t&>();
  std::string key;
  for (std::size_t i = 0; i < len; ++i) {
    if (!read_str(key)) return false;  // JSON object keys are strings
    if (!value(fields[key], depth + 1)) return false;
  }
  return true;
}

bool msgpack_reader::value(nlohmann::json& out, int depth) {
  if (depth > max_depth) return false;
  std::uint8_t tag;
  if (!be(tag)) return false;
  if (tag <= 0x7f) {
    out = static_cast<std::uint64_t>(tag);
    return true;
  }
  if (tag >= 0xe0) {
    out = static_cast<std::int64_t>(static_cast<std::int8_t>(tag));
    return true;
  }
  if ((tag & 0xf0) == 0x80) return map_of(tag & 0x0f, out, depth);
  if ((tag & 0xf0) == 0x90) return array_of(tag & 0x0f, out, depth);
  if ((tag & 0xe0) == 0xa0 || tag == 0xd9 || tag == 0xda || tag == 0xdb) {
    std::size_t len;
    if (!str_len(tag, len)) return false;
    out = nlohmann::json::string_t();
    return str_of(len, out.get_ref<nlohmann::json::string_t&>());
  }
  switch (tag) {
    case 0xc0:
      out = nullptr;
      return true;
    case 0xc2:
      out = false;
      return true;
    case 0xc3:
      out = true;
      return true;
    case 0xc4:
    case 0xc5:
    case 0xc6: {
      std::uint32_t len = 0;
      if (tag == 0xc4) {
        std::uint8_t n;
        if (!be(n)) return false;
        len = n;
      }
      if (tag == 0xc5) {
        std::uint16_t n;
        if (!be(n)) return false;
        len = n;
      }
      if (tag == 0xc6 && !be(len)) return false;
      const char* at = nullptr;
      if (!take(len, at)) return false;
      out = nlohmann::json::binary(std::vector<std::uint8_t>(at, at + len));
      return true;
    }
    case 0xca: {
      float f;
      if (!be(f)) return false;
      out = static_cast<double>(f);
      return true;
    }
    case 0xcb: {
      double d;
      if (!be(d)) return false;
      out = d;
      return true;
    }
    case 0xcc: {
      std::uint8_t v;
      if (!be(v)) return false;
      out = std::uint64_t{v};
      return true;
    }
    case 0xcd: {
      std::uint16_t v;
      if (!be(v)) return false;
      out = std::uint64_t{v};
      return true;
    }
    case 0xce: {
      std::uint32_t v;
      if (!be(v)) return false;
      out = std::uint64_t{v};
      return true;
    }
    case 0xcf: {
      std::uint64_t v;
      if (!be(v)) return false;
      out = v;
      return true;
    }
    case 0xd0: {
      std::int8_t v;
      if (!be(v)) return false;
      out = std::int64_t{v};
      return true;
    }
    case 0xd1: {
      std::int16_t v;
      if (!be(v)) return false;
      out = std::int64_t{v};
      return true;
    }
    case 0xd2: {
      std::int32_t v;
      if (!be(v)) return false;
      out = std::int64_t{v};
      return true;
    }
    case 0xd3: {
      std::int64_t v;
      if (!be(v)) return false;
      out = v;
      return true;
    }
    case 0xdc: {
      std::uint16_t n;
      if (!be(n)) return false;
      return array_of(n, out, depth);
    }
    case 0xdd: {
      std::uint32_t n;
      if (!be(n)) return false;
      return array_of(n, out, depth);
    }
    case 0xde: {
      std::uint16_t n;
      if (!be(n)) return false;
      return map_of(n, out, depth);
    }
    case 0xdf: {
      std::uint32_t n;
      if (!be(n)) return false;
      return map_of(n, out, depth);
    }
    default:
      return false;  // 0xc1 (never used) and ext types: nothing we write
  }
}

void msgpack_writer::be(std::uint64_t v, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out_.push_back(static_cast<char>(v >> shift));
  }
}

void msgpack_writer::array_header(std::size_t count) {
  if (count <= 15) {
    out_.push_back(static_cast<char>(0x90 | count));
  } else if (count <= 0xffff) {
    out_.push_back('\xdc');
    be(count, 2);
  } else {
    out_.push_back('\xdd');
    be(count, 4);
  }
}

void msgpack_writer::uint64(std::uint64_t v) {
  if (v <= 0x7f) {
    out_.push_back(static_cast<char>(v));
  } else if (v <= 0xff) {
    out_.push_back('\xcc');
    be(v, 1);
  } else if (v <= 0xffff) {
    out_.push_back('\xcd');
    be(v, 2);
  } else if (v <= 0xffffffff) {
    out_.push_back('\xce');
    be(v, 4);
  } else {
    out_.push_back('\xcf');
    be(v, 8);
  }
}

void msgpack_writer::int64(std::int64_t v) {
  if (v >= 0) return uint64(static_cast<std::uint64_t>(v));
  if (v >= -32) {
    out_.push_back(static_cast<char>(v));
  } else {
    out_.push_back('\xd3');
    be(static_cast<std::uint64_t>(v), 8);
  }
}

void msgpack_writer::str(std::string_view v) {
  if (v.size() <= 31) {
    out_.push_back(static_cast<char>(0xa0 | v.size()));
  } else if (v.size() <= 0xff) {
    out_.push_back('\xd9');
    be(v.size(), 1);
  } else if (v.size() <= 0xffff) {
    out_.push_back('\xda');
    be(v.size(), 2);
  } else {
    out_.push_back('\xdb');
    be(v.size(), 4);
  }
  out_.append(v);
}

}  // namespace rooms::eventlog::detail
