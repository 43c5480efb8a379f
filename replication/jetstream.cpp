#include "replication/jetstream.hpp"

#include <nats/nats.h>

#include <algorithm>
#include <thread>

namespace rooms::replication {

namespace {

using clock = std::chrono::steady_clock;

/// Session ids become subject tokens and KV keys: no '.', '*', '>' or spaces may reach NATS.
bool valid_token(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

status nats_error(std::string_view what, natsStatus s, jsErrCode jerr = static_cast<jsErrCode>(0)) {
  if (jerr == JSStreamWrongLastSequenceErr)
    return {errc::wrong_seq, std::string(what) + ": another writer appended first"};
  std::string message = std::string(what) + ": " + natsStatus_GetText(s);
  if (jerr != 0) message += " (JetStream error " + std::to_string(static_cast<int>(jerr)) + ")";
  return {errc::io_error, message};
}

/// A call that got no answer from JetStream (as opposed to a refusal): its outcome is unknown.
bool no_answer(natsStatus s) {
  return s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS || s == NATS_CONNECTION_CLOSED ||
         s == NATS_CONNECTION_DISCONNECTED || s == NATS_IO_ERROR || s == NATS_NO_SERVER ||
         s == NATS_STALE_CONNECTION;
}

/// Answers JetStream gives while its servers are still electing a meta leader or meeting
/// their peers: worth retrying until `ready_timeout`.
bool not_ready_yet(natsStatus s, jsErrCode jerr) {
  return s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS || jerr == JSClusterNotAvailErr ||
         jerr == JSInsufficientResourcesErr || jerr == JSClusterNoPeersErr;
}

}  // namespace

struct client::impl {
  options opts;
  natsOptions* nats_opts = nullptr;
  natsConnection* conn = nullptr;
  jsCtx* js = nullptr;
  kvStore* kv = nullptr;
  jsOptions js_opts{};

  ~impl() {
    kvStore_Destroy(kv);
    jsCtx_Destroy(js);
    natsConnection_Destroy(conn);
    natsOptions_Destroy(nats_opts);
  }

  std::string subject(std::string_view session) const {
    return opts.subject_prefix + "." + std::string(session);
  }

  /// Creates the stream, or finds it made by another node with the same name.
  std::pair<natsStatus, jsErrCode> ensure_stream() {
    std::string subjects = opts.subject_prefix + ".*";
    const char* subject_list[] = {subjects.c_str()};
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = opts.stream.c_str();
    cfg.Subjects = subject_list;
    cfg.SubjectsLen = 1;
    cfg.Replicas = opts.replicas;
    cfg.Storage = js_FileStorage;
    jsStreamInfo* info = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_AddStream(&info, js, &cfg, &js_opts, &jerr);
    jsStreamInfo_Destroy(info);
    if (s != NATS_OK && jerr == JSStreamNameExistErr) return {NATS_OK, jerr};
    return {s, jerr};
  }

  /// Creates the lease bucket: one value per key (History 1), each living `lease_ttl` after
  /// its last write (the bucket's max age), replicated as the stream is.
  natsStatus ensure_bucket() {
    kvConfig cfg;
    kvConfig_Init(&cfg);
    cfg.Bucket = opts.lease_bucket.c_str();
    cfg.History = 1;
    cfg.TTL = std::chrono::duration_cast<std::chrono::nanoseconds>(opts.lease_ttl).count();
    cfg.Replicas = opts.replicas;
    cfg.StorageType = js_FileStorage;
    kvStore_Destroy(kv);
    kv = nullptr;
    natsStatus s = js_CreateKeyValue(&kv, js, &cfg);
    if (s != NATS_OK) s = js_KeyValue(&kv, js, cfg.Bucket);  // made by another node
    return s;
  }
};

client::client(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
client::~client() = default;

result<std::unique_ptr<client>> client::connect(options opts) {
  if (opts.urls.empty()) return status{errc::invalid_argument, "no NATS server URL"};
  if (!valid_token(opts.stream) || !valid_token(opts.subject_prefix) ||
      !valid_token(opts.lease_bucket))
    return status{errc::invalid_argument,
                  "stream, subject prefix and bucket must be [A-Za-z0-9_-]"};
  auto state = std::make_unique<impl>();
  state->opts = std::move(opts);
  const options& o = state->opts;
  std::vector<const char*> servers;
  for (const auto& url : o.urls) servers.push_back(url.c_str());
  auto timeout_ms = static_cast<int64_t>(o.timeout.count());
  natsStatus s = natsOptions_Create(&state->nats_opts);
  if (s == NATS_OK)
    s = natsOptions_SetServers(state->nats_opts, servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetTimeout(state->nats_opts, timeout_ms);
  // Reconnect for as long as the process lives: a lost server is one of three, not the end.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(state->nats_opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(state->nats_opts, 100);
  if (s != NATS_OK) return nats_error("NATS options", s);

  auto deadline = clock::now() + o.ready_timeout;
  while ((s = natsConnection_Connect(&state->conn, state->nats_opts)) != NATS_OK) {
    if (clock::now() > deadline) return nats_error("connecting to NATS", s);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  jsOptions_Init(&state->js_opts);
  state->js_opts.Wait = timeout_ms;
  if ((s = natsConnection_JetStream(&state->js, state->conn, &state->js_opts)) != NATS_OK)
    return nats_error("JetStream context", s);
  for (;;) {
    auto [stream_status, jerr] = state->ensure_stream();
    if (stream_status == NATS_OK) break;
    if (!not_ready_yet(stream_status, jerr) || clock::now() > deadline)
      return nats_error("creating stream " + o.stream, stream_status, jerr);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  while ((s = state->ensure_bucket()) != NATS_OK) {
    if (clock::now() > deadline) return nats_error("creating bucket " + o.lease_bucket, s);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return std::unique_ptr<client>(new client(std::move(state)));
}

result<std::uint64_t> client::append(std::string_view session, std::string_view payload,
                                     std::uint64_t expected_last) {
  if (!valid_token(session)) return status{errc::invalid_argument, "bad session id"};
  std::string subject = impl_->subject(session);
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, payload.data(),
                                static_cast<int>(payload.size()));
  // Set by hand: jsPubOptions.ExpectLastSubjectSeq treats 0 as "no expectation", and the first
  // append of a session must still refuse a second writer ("the subject has no message").
  if (s == NATS_OK)
    s = natsMsgHeader_Set(msg, "Nats-Expected-Last-Subject-Sequence",
                          std::to_string(expected_last).c_str());
  jsPubOptions pub;
  jsPubOptions_Init(&pub);
  pub.MaxWait = static_cast<int64_t>(impl_->opts.timeout.count());
  pub.ExpectStream = impl_->opts.stream.c_str();
  jsPubAck* ack = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  if (s == NATS_OK) s = js_PublishMsg(&ack, impl_->js, msg, &pub, &jerr);
  natsMsg_Destroy(msg);
  if (s != NATS_OK) return nats_error("append to " + subject, s, jerr);
  std::uint64_t seq = ack->Sequence;
  jsPubAck_Destroy(ack);
  return seq;
}

result<std::uint64_t> client::last_seq(std::string_view session) {
  if (!valid_token(session)) return status{errc::invalid_argument, "bad session id"};
  natsMsg* msg = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetLastMsg(&msg, impl_->js, impl_->opts.stream.c_str(),
                               impl_->subject(session).c_str(), &impl_->js_opts, &jerr);
  if (s != NATS_OK && (jerr == JSNoMessageFoundErr || s == NATS_NOT_FOUND)) return 0;
  if (s != NATS_OK) return nats_error("last message of " + std::string(session), s, jerr);
  std::uint64_t seq = natsMsg_GetSequence(msg);
  natsMsg_Destroy(msg);
  return seq;
}

result<std::vector<stored_message>> client::read(std::string_view session, std::uint64_t after,
                                                 std::size_t limit) {
  auto last = last_seq(session);
  if (!last) return last.error();
  std::vector<stored_message> out;
  if (*last <= after || limit == 0) return out;
  // An ordered consumer on the session's subject from `after + 1`: the server pushes the
  // messages in order without acknowledgements, and the client restarts it on a gap.
  jsSubOptions sub_opts;
  jsSubOptions_Init(&sub_opts);
  sub_opts.Stream = impl_->opts.stream.c_str();
  sub_opts.Ordered = true;
  sub_opts.Config.DeliverPolicy = js_DeliverByStartSequence;
  sub_opts.Config.OptStartSeq = after + 1;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  std::string subject = impl_->subject(session);
  natsStatus s =
      js_SubscribeSync(&sub, impl_->js, subject.c_str(), &impl_->js_opts, &sub_opts, &jerr);
  if (s != NATS_OK) return nats_error("reading " + subject, s, jerr);
  status failure;
  while (out.size() < limit) {
    natsMsg* msg = nullptr;
    s = natsSubscription_NextMsg(&msg, sub, impl_->opts.timeout.count());
    if (s != NATS_OK) {
      failure = nats_error("reading " + subject, s);
      break;
    }
    jsMsgMetaData* meta = nullptr;
    std::uint64_t seq = 0;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) seq = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
    out.push_back({seq, std::string(natsMsg_GetData(msg),
                                    static_cast<std::size_t>(natsMsg_GetDataLength(msg)))});
    natsMsg_Destroy(msg);
    if (seq >= *last) break;  // what was there when the read began
  }
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
  if (!failure.ok()) return failure;
  return out;
}

// -- leases --------------------------------------------------------------------------------

result<lease> client::acquire(std::string_view session, std::string_view node) {
  if (!valid_token(session)) return status{errc::invalid_argument, "bad session id"};
  std::string key(session), value(node);
  // Twice at most: the holder's entry may lapse between our create and our look at it.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::uint64_t revision = 0;
    // Create succeeds on a key with no live value: never written, lapsed (the bucket's max age
    // removed it) or released (a delete marker).
    if (kvStore_CreateString(&revision, impl_->kv, key.c_str(), value.c_str()) == NATS_OK)
      return lease{key, value, revision};
    kvEntry* entry = nullptr;
    natsStatus s = kvStore_Get(&entry, impl_->kv, key.c_str());
    if (s == NATS_OK) {
      std::string holder = kvEntry_ValueString(entry);
      kvEntry_Destroy(entry);
      return status{errc::already_exists, "session " + key + " is held by " + holder};
    }
    if (s != NATS_NOT_FOUND) return nats_error("lease of " + key, s);
  }
  return status{errc::io_error, "lease of " + key + ": neither free nor held"};
}

result<lease> client::renew(const lease& held) {
  std::uint64_t revision = 0;
  natsStatus s = kvStore_UpdateString(&revision, impl_->kv, held.session.c_str(), held.node.c_str(),
                                      held.revision);
  if (s != NATS_OK) {
    // No answer (the server we talk to died, or the bucket elects a leader): nothing is known
    // of the lease yet, and the caller tries again.
    if (no_answer(s)) return nats_error("renewing the lease of " + held.session, s);
    // Update names the revision we wrote last: any other value means the lease lapsed and
    // another node took it (or released and took again).
    return status{errc::wrong_seq, "lease of " + held.session + " lost: " + natsStatus_GetText(s)};
  }
  lease renewed = held;
  renewed.revision = revision;
  return renewed;
}

status client::release(const lease& held) {
  // A delete marker written only if our revision is still the last: never another's lease.
  std::string subject = "$KV." + impl_->opts.lease_bucket + "." + held.session;
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, nullptr, 0);
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, "KV-Operation", "DEL");
  if (s == NATS_OK)
    s = natsMsgHeader_Set(msg, "Nats-Expected-Last-Subject-Sequence",
                          std::to_string(held.revision).c_str());
  jsPubOptions pub;
  jsPubOptions_Init(&pub);
  pub.MaxWait = static_cast<int64_t>(impl_->opts.timeout.count());
  jsPubAck* ack = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  if (s == NATS_OK) s = js_PublishMsg(&ack, impl_->js, msg, &pub, &jerr);
  natsMsg_Destroy(msg);
  jsPubAck_Destroy(ack);
  if (s != NATS_OK) return nats_error("release of " + held.session, s, jerr);
  return {};
}

// -- the bucket as a map ---------------------------------------------------------------------

status client::put(std::string_view key, std::string_view value) {
  if (!valid_token(key)) return status{errc::invalid_argument, "bad key"};
  std::uint64_t revision = 0;
  std::string k(key), v(value);
  natsStatus s = kvStore_PutString(&revision, impl_->kv, k.c_str(), v.c_str());
  if (s != NATS_OK) return nats_error("put " + k, s);
  return {};
}

result<std::vector<std::pair<std::string, std::string>>> client::entries() {
  std::vector<std::pair<std::string, std::string>> out;
  kvKeysList keys{};
  kvWatchOptions wo;
  kvWatchOptions_Init(&wo);
  wo.Timeout = static_cast<int64_t>(impl_->opts.timeout.count());
  natsStatus s = kvStore_Keys(&keys, impl_->kv, &wo);
  if (s == NATS_NOT_FOUND) return out;  // an empty bucket
  if (s != NATS_OK) return nats_error("keys of " + impl_->opts.lease_bucket, s);
  for (int i = 0; i < keys.Count; ++i) {
    kvEntry* entry = nullptr;
    // A key may lapse between the listing and the read: it is simply not live any more.
    if (kvStore_Get(&entry, impl_->kv, keys.Keys[i]) != NATS_OK) continue;
    out.emplace_back(keys.Keys[i], kvEntry_ValueString(entry));
    kvEntry_Destroy(entry);
  }
  kvKeysList_Destroy(&keys);
  // A key written while the listing runs can be listed twice.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end(),
                        [](const auto& a, const auto& b) { return a.first == b.first; }),
            out.end());
  return out;
}

}  // namespace rooms::replication
