#pragma once
/// The log of record when this node's store is a copy of it (cluster high availability,
/// `roomd --nats`: ha/replica). Every write goes there first and reaches the local store only
/// once the log of record acknowledged it, so the local store never holds what the cluster
/// may not have; a node that takes a session over brings its local copy up to date from it.
///
/// The rooms, creation and import call it instead of the store when it is set; it writes the
/// local store itself, in the same order, so one session's local writes never race.

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
  /// to date; `done` runs on another thread. already_exists: another node holds it.
  virtual void acquire_async(const session_id& id, callback done) = 0;
  /// A room's append: like append, refused unless this node holds the session's lease; `done`
  /// runs on another thread after both writes.
  virtual void append_async(const session_id& id, std::vector<event> events,
                            std::optional<session_summary> summary, callback done) = 0;
  /// Gives the session's lease up, after every write submitted before it.
  virtual void release(const session_id& id) = 0;
  /// Brings the local store up to date with the log of record (a REST read of a session this
  /// node did not write last). Blocks.
  virtual status catch_up(const session_id& id) = 0;
};

}  // namespace rooms::eventlog
