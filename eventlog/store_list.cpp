#include "eventlog/detail/store_impl.hpp"

#include <algorithm>

#include "base/hex.hpp"

namespace rooms::eventlog {

result<session_page> store::list(const list_options& options) const {
  if (options.limit == 0) return status{errc::invalid_argument, "list limit must be positive"};
  // Order: last activity descending, then id ascending; the cursor is the last item returned.
  struct position {
    std::int64_t activity;
    session_id id;
  };
  auto before = [](const position& a, const position& b) {
    return a.activity != b.activity ? a.activity > b.activity : a.id < b.id;
  };
  std::optional<position> after;
  if (!options.cursor.empty()) {
    // 16 hex digits of the last activity (big-endian), then the id.
    auto activity_bytes = options.cursor.size() == 16 + 36
                              ? base::from_hex(std::string_view(options.cursor).substr(0, 16))
                              : std::nullopt;
    std::uint64_t activity = 0;
    for (unsigned char b : activity_bytes.value_or("")) activity = activity << 8 | b;
    auto id = activity_bytes ? session_id::parse(std::string_view(options.cursor).substr(16))
                             : std::nullopt;
    if (!id) return status{errc::invalid_argument, "malformed list cursor"};
    after = position{static_cast<std::int64_t>(activity), *id};
  }

  // A full scan of "meta" keeping the best `limit` in a heap: O(sessions) per page, but a meta
  // is decoded whole (and filtered) only when its position can still make the page; the rest
  // cost a key and three integers. An activity index would cost every append a delete + put in
  // another column family; this order is the admin listing's, so the scan is the cheaper trade
  // (the interviews listing orders by creation, which list_interviews reads from an index).
  read_view view(impl_->db_, impl_->options_.read_only, impl_->catch_up_mu_);
  rocksdb::ReadOptions& read = view.options();
  std::int64_t now = impl_->now();
  auto by_order = [&](const session_meta& a, const session_meta& b) {
    return before({a.last_activity_at, a.id}, {b.last_activity_at, b.id});
  };
  std::vector<session_meta> best;  // a max-heap by by_order: the worst kept row on top
  best.reserve(options.limit);
  bool more = false;  // a row that passes exists beyond the page
  std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(read, impl_->meta_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != id_size) return status{errc::corruption, "malformed meta key"};
    auto id = id_of_key({it->key().data(), it->key().size()});
    std::string_view value{it->value().data(), it->value().size()};
    meta_times times;
    if (!decode_meta_times(value, times)) {
      auto whole = decode_meta(id, value);  // says what is wrong with it
      return whole ? status{errc::corruption, "session " + id.str() + " meta: bad times"}
                   : whole.error();
    }
    if (times.expires_at <= now) continue;
    position here{times.last_activity_at, id};
    if (after && !before(*after, here)) continue;
    bool fits = best.size() < options.limit ||
                before(here, {best.front().last_activity_at, best.front().id});
    if (!fits && more) continue;  // cannot make the page, and a next page is known to exist
    auto meta = decode_meta(id, value);
    if (!meta) return meta.error();
    if (options.filter && !options.filter(*meta)) continue;
    if (!fits) {
      more = true;
      continue;
    }
    best.push_back(std::move(*meta));
    std::push_heap(best.begin(), best.end(), by_order);
    if (best.size() > options.limit) {
      std::pop_heap(best.begin(), best.end(), by_order);
      best.pop_back();
      more = true;
    }
  }
  if (!it->status().ok()) return from_rocks(it->status(), "listing sessions");

  std::sort_heap(best.begin(), best.end(), by_order);
  session_page page;
  if (more) {
    auto activity = static_cast<std::uint64_t>(best.back().last_activity_at);
    std::string activity_bytes;
    for (int shift = 56; shift >= 0; shift -= 8)
      activity_bytes.push_back(static_cast<char>(activity >> shift));
    page.next = base::to_hex(activity_bytes);
    page.next += best.back().id.str();
  }
  page.sessions = std::move(best);
  return page;
}

result<session_page> store::list_interviews(const interview_list_options& options) const {
  read_view view(impl_->db_, impl_->options_.read_only, impl_->catch_up_mu_);
  return list_interviews_page(impl_->db_, view.options(), impl_->meta_cf_, impl_->interviews_cf_,
                              impl_->now(), options);
}

}  // namespace rooms::eventlog
