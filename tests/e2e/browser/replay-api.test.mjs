// Black-box replay API test (no browser): two scripted WebSocket clients edit concurrently (rebasing
// their unconfirmed changes on code_update_rejected, like @codemirror/collab), change the language,
// add a note and move cursors. Then, for EVERY seq, GET /state?seq= must equal the fold of events 1..seq
// computed here with @codemirror/state; the document each client held after the code_changed of a
// version must equal the state at that event's seq; and a fork at a seq starts from that document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { ChangeSet, Text } from '@codemirror/state';
import { startRoomd } from '../lib/roomd.mjs';

let roomd, s, runtimes, events, folds;
const clients = [];

before(async () => {
  roomd = await startRoomd();
  runtimes = (await (await fetch(`${roomd.url}/api/runtimes`)).json()).map((r) => r.language);
});
after(async () => {
  for (const c of clients) c.ws?.terminate();
  await roomd?.stop();
});

// Deterministic pseudo-random numbers (mulberry32), so a failure can be reproduced.
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = Number(process.env.REPLAY_API_SEED ?? 20240611);
const rand = rng(SEED);
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const PIECES = ['a', 'foo', ' ', '\n', 'x = 1\n', 'é', '😀', 'for i in range(3):\n    print(i)\n', '{}', '\t', 'ünï', '\n\n'];

/** A collab client: `synced` is the server's document at `version`; `doc` adds the unconfirmed updates. */
class Client {
  constructor(name, role, key) {
    Object.assign(this, { name, role, key, clientID: `${name}-${Math.floor(rand() * 1e9).toString(36)}` });
    this.synced = Text.empty;
    this.doc = Text.empty;
    this.version = 0;
    this.unconfirmed = []; // ChangeSet[], each on top of the previous, starting at `synced`
    this.inflight = 0; // how many of the unconfirmed updates were sent and not yet answered
    this.rejections = 0;
    this.held = new Map(); // version -> the document this client held at that version
    this.docs = new Map([[0, Text.empty]]); // version -> synced document (for stale cursors)
    this.messages = [];
    this.errors = [];
  }

  async connect() {
    this.ws = new WebSocket(`${roomd.url.replace('http', 'ws')}/ws/${s.sessionId}`);
    this.ws.on('message', (d) => this.onMessage(JSON.parse(String(d))));
    await new Promise((res, rej) => {
      this.ws.once('open', res);
      this.ws.once('error', rej);
    });
    this.send({ type: 'join_session', name: this.name, role: this.role, ...(this.key ? { key: this.key } : {}) });
    await until(() => this.participantId, `${this.name} joined`);
  }

  send(m) {
    this.ws.send(JSON.stringify(m));
  }

  onMessage(m) {
    this.messages.push(m.type);
    switch (m.type) {
      case 'session_state':
        this.participantId = m.participantId;
        this.synced = this.doc = Text.of(m.doc.split('\n'));
        this.version = m.version;
        this.docs.set(this.version, this.synced);
        break;
      case 'code_changed':
        this.receive(m.from, m.updates);
        break;
      case 'code_update_rejected':
        // Everything the server applied before rejecting us was published to us before this reply,
        // so our unconfirmed updates are already rebased: send them again.
        this.rejections++;
        this.inflight = 0;
        assert.equal(m.version, this.version, `${this.name}: rejected at the version it has caught up to`);
        this.flush();
        break;
      case 'error':
        this.errors.push(m);
        break;
    }
  }

  receive(from, updates) {
    if (from > this.version) {
      this.send({ type: 'pull', version: this.version });
      return;
    }
    updates = updates.slice(this.version - from);
    for (const u of updates) {
      const cs = ChangeSet.fromJSON(u.changes);
      if (u.clientID === this.clientID) {
        // Our own update echoed back: it is confirmed, and `doc` already contains it.
        assert.ok(this.inflight > 0, `${this.name}: an echo of an update in flight`);
        const mine = this.unconfirmed.shift();
        assert.deepEqual(cs.toJSON(), mine.toJSON());
        this.synced = cs.apply(this.synced);
        this.inflight--;
      } else {
        // Someone else's: apply it to the synced document and rebase our unconfirmed updates over it.
        this.synced = cs.apply(this.synced);
        let other = cs;
        this.unconfirmed = this.unconfirmed.map((mine) => {
          const rebased = mine.map(other);
          other = other.map(mine, true);
          return rebased;
        });
        this.doc = other.apply(this.doc);
      }
      this.version++;
      this.docs.set(this.version, this.synced);
      this.held.set(this.version, this.synced.toString());
      if (!this.unconfirmed.length) assert.equal(this.doc.toString(), this.synced.toString(), `${this.name}: no pending edits, doc == synced`);
    }
    this.flush();
  }

  /** A random local edit (insert, delete or replace) on top of the current document. */
  edit() {
    const len = this.doc.length;
    let from = Math.floor(rand() * (len + 1));
    // Never split a surrogate pair.
    const str = this.doc.toString();
    if (from > 0 && from < len && /[\uDC00-\uDFFF]/.test(str[from])) from--;
    let to = from;
    if (len && rand() < 0.35) {
      to = Math.min(len, from + 1 + Math.floor(rand() * 6));
      if (to < len && /[\uDC00-\uDFFF]/.test(str[to])) to++;
    }
    const insert = rand() < 0.85 || to === from ? pick(PIECES) : '';
    const cs = ChangeSet.of({ from, to, insert }, len);
    this.doc = cs.apply(this.doc);
    this.unconfirmed.push(cs);
  }

  flush() {
    if (this.inflight || !this.unconfirmed.length || this.ws.readyState !== WebSocket.OPEN) return;
    this.inflight = this.unconfirmed.length;
    this.send({ type: 'code_update', version: this.version, updates: this.unconfirmed.map((c) => ({ clientID: this.clientID, changes: c.toJSON() })) });
  }

  /** A cursor in the synced document at this or a slightly older version (the server maps stale ones). */
  cursor() {
    const v = Math.max(0, this.version - Math.floor(rand() * 3));
    const d = this.docs.get(v) ?? this.synced;
    const at = this.docs.has(v) ? v : this.version;
    const a = Math.floor(rand() * (d.length + 1));
    const h = rand() < 0.5 ? a : Math.floor(rand() * (d.length + 1));
    this.send({ type: 'cursor_update', version: at, anchor: a, head: h });
  }

  get idle() {
    return !this.inflight && !this.unconfirmed.length;
  }
}

async function until(pred, what, timeout = 10_000) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeout) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const auth = (key = s.interviewerKey) => ({ authorization: `Bearer ${key}` });
async function getJSON(path, key) {
  const r = await fetch(`${roomd.url}${path}`, { headers: auth(key) });
  const body = await r.json();
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(body)}`);
  return body;
}

/** The fold of events 1..n, as the room state after each event. */
function fold(evts) {
  const out = [];
  let doc = Text.empty;
  let version = 0;
  let language = 'plaintext';
  let present = new Map();
  let cursors = new Map();
  for (const e of evts) {
    switch (e.type) {
      case 'session_created':
        language = e.language ?? language;
        break;
      case 'participant_joined':
        present = new Map(present).set(e.participant.participantId, e.participant);
        break;
      case 'participant_left':
        present = new Map(present);
        present.delete(e.participantId);
        cursors = new Map(cursors);
        cursors.delete(e.participantId);
        break;
      case 'code_changed': {
        const cs = ChangeSet.fromJSON(e.changes);
        assert.equal(cs.length, doc.length, `seq ${e.seq}: change set fits the document`);
        doc = cs.apply(doc);
        version++;
        assert.equal(e.version, version, `seq ${e.seq}: code_changed.version is the version it produced`);
        break;
      }
      case 'cursor_moved':
        assert.equal(e.version, version, `seq ${e.seq}: cursors are logged at the current version`);
        assert.ok(e.anchor >= 0 && e.anchor <= doc.length && e.head >= 0 && e.head <= doc.length, `seq ${e.seq}: cursor in the document`);
        cursors = new Map(cursors).set(e.participantId, { version: e.version, anchor: e.anchor, head: e.head });
        break;
      case 'language_changed':
        language = e.language;
        break;
    }
    out.push({ seq: e.seq, ts: e.ts, doc: doc.toString(), version, language, present, cursors });
  }
  return out;
}

test('two clients edit concurrently; the session is recorded', async (t) => {
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"api replay"}' });
  assert.equal(r.status, 201);
  s = await r.json();
  const A = new Client('Ann', 'interviewer', s.interviewerKey);
  const B = new Client('Bob', 'candidate');
  clients.push(A, B);
  await A.connect();
  await B.connect();
  const langs = ['python', 'javascript'].filter((l) => runtimes.includes(l));

  for (let round = 0; round < 40; round++) {
    // Both edit at the same version and send in the same tick: one of them must be rejected and rebase.
    for (const c of [A, B]) for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) c.edit();
    A.flush();
    B.flush();
    if (round % 3 === 0) A.cursor();
    if (round % 4 === 1) B.cursor();
    if (round === 10) A.send({ type: 'language_change', language: langs[0] ?? 'plaintext' });
    if (round === 15) A.send({ type: 'add_note', text: 'Bob rebased nicely' });
    if (round === 25) B.send({ type: 'language_change', language: langs[1] ?? 'plaintext' });
    if (round === 30) B.send({ type: 'focus_change', focused: false });
    if (round === 31) B.send({ type: 'focus_change', focused: true });
    await sleep(rand() < 0.5 ? 0 : Math.floor(rand() * 12));
    if (round % 10 === 9) await until(() => A.idle && B.idle, 'clients to settle');
  }
  await until(() => A.idle && B.idle && A.version === B.version, 'clients to converge');
  const info = await getJSON(`/api/sessions/${s.sessionId}`);
  assert.equal(A.version, info.version);
  assert.equal(A.doc.toString(), B.doc.toString(), 'the two clients converged');
  assert.ok(A.rejections + B.rejections > 0, 'at least one code_update was rejected and rebased');
  assert.deepEqual([...A.errors, ...B.errors], []);
  t.diagnostic(`seed ${SEED}: version ${info.version}, ${A.doc.length} UTF-16 units, rejections Ann ${A.rejections} Bob ${B.rejections}`);
  // A clean close is logged as participant_left.
  B.ws.close(1000);
  await sleep(200);
});

test('events: gap-free seqs, and pagination returns the same log', async (t) => {
  events = (await getJSON(`/api/sessions/${s.sessionId}/events?from=1&limit=10000`)).events;
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
  const paged = [];
  let from = 1;
  while (from !== null) {
    const p = await getJSON(`/api/sessions/${s.sessionId}/events?from=${from}&limit=37`);
    paged.push(...p.events);
    from = p.next;
  }
  assert.deepEqual(paged, events);
  const types = new Set(events.map((e) => e.type));
  for (const t of ['session_created', 'participant_joined', 'code_changed', 'cursor_moved', 'language_changed', 'note_added', 'focus_changed', 'participant_left']) assert.ok(types.has(t), `log has ${t}`);
  for (let i = 1; i < events.length; i++) assert.ok(events[i].ts >= events[i - 1].ts, 'ts never decreases');
  folds = fold(events);
  t.diagnostic(`${events.length} events: ${[...types].map((ty) => `${ty} ${events.filter((e) => e.type === ty).length}`).join(', ')}`);
});

test('GET /state?seq= equals the fold of events 1..seq, for every seq', async () => {
  for (const f of folds) {
    const st = await getJSON(`/api/sessions/${s.sessionId}/state?seq=${f.seq}`);
    assert.equal(st.seq, f.seq);
    assert.equal(st.doc, f.doc, `doc at seq ${f.seq}`);
    assert.equal(st.version, f.version, `version at seq ${f.seq}`);
    assert.equal(st.language, f.language, `language at seq ${f.seq}`);
    assert.equal(st.ts, f.ts, `ts at seq ${f.seq}`);
    assert.deepEqual(st.participants.map((p) => p.participantId).sort(), [...f.present.keys()].sort(), `participants at seq ${f.seq}`);
    for (const [pid, c] of f.cursors) {
      assert.ok(st.cursors[pid], `cursor of ${pid} at seq ${f.seq}`);
      assert.deepEqual({ version: st.cursors[pid].version, anchor: st.cursors[pid].anchor, head: st.cursors[pid].head }, c, `cursor of ${pid} as last logged, at seq ${f.seq}`);
    }
  }
  // Outside 1..last is 400; no key is 401.
  for (const bad of [0, events.length + 1]) assert.equal((await fetch(`${roomd.url}/api/sessions/${s.sessionId}/state?seq=${bad}`, { headers: auth() })).status, 400);
  assert.equal((await fetch(`${roomd.url}/api/sessions/${s.sessionId}/state?seq=1`)).status, 401);
  // Without seq: the latest state.
  const latest = await getJSON(`/api/sessions/${s.sessionId}/state`);
  assert.equal(latest.doc, folds.at(-1).doc);
  assert.equal(latest.seq, folds.at(-1).seq);
});

test('?at=<ms> gives the state after the last event with ts <= at', async () => {
  for (const i of [0, Math.floor(events.length / 3), Math.floor((2 * events.length) / 3), events.length - 1]) {
    const at = events[i].ts;
    let k = i;
    while (k + 1 < events.length && events[k + 1].ts <= at) k++;
    const st = await getJSON(`/api/sessions/${s.sessionId}/state?at=${at}`);
    assert.equal(st.seq, folds[k].seq);
    assert.equal(st.doc, folds[k].doc);
  }
});

test('the document each client held after a code_changed equals the state at that event', () => {
  const seqOfVersion = new Map(events.filter((e) => e.type === 'code_changed').map((e) => [e.version, e.seq]));
  const byVersion = new Map(folds.filter((f, i) => events[i].type === 'code_changed').map((f) => [f.version, f.doc]));
  for (const c of clients) {
    assert.ok(c.held.size > 0);
    for (const [v, held] of c.held) {
      assert.ok(seqOfVersion.has(v), `version ${v} was logged`);
      assert.equal(held, byVersion.get(v), `${c.name} at version ${v} (seq ${seqOfVersion.get(v)})`);
    }
  }
  // The clients saw every version from their join to the end.
  const [A] = clients;
  const last = folds.at(-1).version;
  for (let v = Math.min(...A.held.keys()); v <= last; v++) assert.ok(A.held.has(v), `Ann saw version ${v}`);
});

test('fork at a seq starts from the document and language at that seq', async () => {
  const langAt = folds.findIndex((f, i) => i > 0 && f.language !== folds[i - 1].language);
  const picks = [...new Set([Math.floor(events.length / 4), langAt, Math.floor(events.length / 2), events.length - 1])].filter((i) => i >= 0);
  for (const i of picks) {
    const f = folds[i];
    const r = await fetch(`${roomd.url}/api/sessions/${s.sessionId}/fork`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ seq: f.seq }) });
    assert.equal(r.status, 201);
    const fk = await r.json();
    assert.notEqual(fk.sessionId, s.sessionId);
    assert.deepEqual(fk.forkedFrom, { sessionId: s.sessionId, seq: f.seq });
    assert.equal(fk.language, f.language);
    const st = await getJSON(`/api/sessions/${fk.sessionId}/state`, fk.interviewerKey);
    assert.equal(st.doc, f.doc, `fork at seq ${f.seq}`);
    assert.equal(st.language, f.language);
    // The original key does not open the fork.
    assert.equal((await fetch(`${roomd.url}/api/sessions/${fk.sessionId}/events`, { headers: auth() })).status, 403);
    // A participant joining the fork gets that document.
    const ws = new WebSocket(`${roomd.url.replace('http', 'ws')}/ws/${fk.sessionId}`);
    const state = await new Promise((res, rej) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'join_session', name: 'Fay' })));
      ws.on('message', (d) => {
        const m = JSON.parse(String(d));
        if (m.type === 'session_state') res(m);
      });
      ws.on('error', rej);
    });
    ws.close(1000);
    assert.equal(state.doc, f.doc);
    assert.equal(state.language, f.language);
  }
  // A seq outside the log is refused.
  const bad = await fetch(`${roomd.url}/api/sessions/${s.sessionId}/fork`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ seq: events.length + 5 }) });
  assert.equal(bad.status, 400);
});
