#pragma once
/// The log of record a node writes through. On a single node it is the local store itself
/// (local_replica); with cluster high availability (`roomd --nats`: ha/replica) the store is a
/// copy of a replicated log: every write goes there first and reaches the local store only
/// once the log of record acknowledged it, so the local store never holds what the cluster
/// may not have, and a node that takes a session over brings its local copy up to date first.
///
/// The rooms, creation and import always write through one; it writes the local store itself,
/// in the same order, so one session's local writes never race.

#include <functional>
#include <optional>
#include <vector>

#include "eventlog/store.hpp"

namespace rooms::eventlog {

class replica {
 public:
  virtual ~replica() = default;

  using callback = std::function<void(status)>;

  /// Creates the session in the log of record (refused with already_exists if it is there),
  /// then in the local store. Blocks (a REST thread).
  virtual status create_session(const session_meta& meta, const event& first) = 0;
  /// Appends to the log of record after the session's last event there, then to the local
  /// store. Blocks (a REST thread: creation's first events, an import).
  virtual status append(const session_id& id, std::vector<event> events,
                        std::optional<session_summary> summary) = 0;

  /// Takes ownership of the session for this node (its lease) and brings the local store up
  /// to date; `done` runs on another thread, after every write submitted before, and may use
  /// the store's blocking reads. already_exists: another node holds it.
  virtual void acquire_async(const session_id& id, callback done) = 0;
  /// A room's append: like append, refused unless this node holds the session's lease; `done`
  /// runs on another thread after both writes and must not block.
  virtual void append_async(const session_id& id, std::vector<event> events,
                            std::optional<session_summary> summary, callback done) = 0;
  /// Gives the session's lease up, after every write submitted before it.
  virtual void release(const session_id& id) = 0;
  /// Brings the local store up to date with the log of record (a REST read of a session this
  /// node did not write last). Blocks.
  virtual status catch_up(const session_id& id) = 0;

  /// True when another node may own the session next: a refused append may mean its lease
  /// is gone, so a room hands its clients back (they resume wherever it is) rather than
  /// reloading in place.
  virtual bool shared() const = 0;
};

/// A single node's log of record: the local store. No leases; reads wait for the writes
/// submitted before them, as the store's own async reads do. Thread-safe as the store is.
class local_replica final : public replica {
 public:
  explicit local_replica(store& s) : store_(s) {}

  status create_session(const session_meta& meta, const event& first) override {
    return store_.create_session(meta, first);
  }
  status append(const session_id& id, std::vector<event> events,
                std::optional<session_summary> summary) override {
    return store_.append(id, std::move(events), std::move(summary));
  }
  void acquire_async(const session_id&, callback done) override {
    store_.read_async(std::move(done));
  }
  void append_async(const session_id& id, std::vector<event> events,
                    std::optional<session_summary> summary, callback done) override {
    store_.append_async(id, std::move(events), std::move(summary), std::move(done));
  }
  void release(const session_id&) override {}
  status catch_up(const session_id&) override { return {}; }
  bool shared() const override { return false; }

 private:
  store& store_;
};

}  // namespace rooms::eventlog
