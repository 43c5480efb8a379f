// Crash (SIGKILL) check of roomd, run by tools/crash-test.
// usage: node crash.mjs --roomd BIN --roomctl BIN --work DIR [--rooms 50] [--kills 20] [--seed N]
//                       [--min-gap MS] [--max-gap MS] [--snapshot-every N]
//
// Creates `rooms` sessions with two participants each (an interviewer and a candidate; in a
// third of the rooms only the candidate types, elsewhere both), who type single characters at
// random positions following the @codemirror/collab protocol: one update in flight, rebased
// over the others' updates, sent again after `code_update_rejected`; a gap in `code_changed`
// is repaired with `pull`. Meanwhile roomd is killed with SIGKILL `kills` times at random
// moments and restarted on the same data dir and port; every client reconnects by itself and
// resumes with its resumeToken and version. roomd snapshots a room every N events (default 25,
// roomd's own default is 5000), so restarts recover from snapshots plus the events after them.
//
// Checked:
// - a resume keeps the participantId (never a fresh join) and the server is never behind a
//   version the client saw acknowledged; after catching up the client's document equals the
//   session_state document;
// - no update is applied twice (a client's own clientID arriving while it has nothing in flight);
// - after the typing stops and everything is acknowledged, both clients of a room agree, and
//   GET /state equals what they last saw (document and version), before and after one more
//   SIGKILL;
// - every code_changed any client received (its own acknowledgements included) is in the log,
//   read back after that last SIGKILL via GET /events with the interviewer key: same version,
//   clientID and changes; the log's code_changed versions are exactly 1..final version;
// - roomd exits 0 on SIGTERM, and `roomctl --db DIR verify --all` exits 0 on the data dir.
// Prints progress and a JSON summary; exits 1 when an expectation fails.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../e2e/package.json'));
const WebSocket = require('ws');

// -- options --
const opt = { rooms: 50, kills: 20, seed: Date.now() % 1000000, minGap: 300, maxGap: 3000, snapshotEvery: 25 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const [k, v] = [argv[i], argv[i + 1]];
  const key = { '--roomd': 'roomd', '--roomctl': 'roomctl', '--work': 'work', '--rooms': 'rooms', '--kills': 'kills',
    '--seed': 'seed', '--min-gap': 'minGap', '--max-gap': 'maxGap', '--snapshot-every': 'snapshotEvery' }[k];
  if (!key || v === undefined) { console.error(`crash.mjs: bad option ${k}`); process.exit(2); }
  opt[key] = ['roomd', 'roomctl', 'work'].includes(key) ? v : Number(v);
}
if (!opt.roomd || !opt.roomctl || !opt.work) { console.error('crash.mjs: --roomd, --roomctl and --work are required'); process.exit(2); }

// -- deterministic randomness (mulberry32) --
let rngState = opt.seed >>> 0;
function rand() {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const failures = [];
const fail = (what) => { if (failures.length < 50) console.log(`FAIL ${what}`); failures.push(what); };
const expect = (ok, what) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failures.push(what); };

// -- CodeMirror change sets (JSON form), enough for inserts --
function applyChanges(doc, changes) {
  let out = '';
  let i = 0;
  for (const part of changes) {
    if (typeof part === 'number') { out += doc.slice(i, i + part); i += part; }
    else { out += part.slice(1).join('\n'); i += part[0]; }
  }
  if (i !== doc.length) throw new Error(`change set of input length ${i} applied to a document of ${doc.length}`);
  return out;
}
/// CodeMirror's mapPos with assoc -1 (a position at an insertion point stays before it).
function mapPos(changes, pos) {
  let oldPos = 0, newPos = 0;
  for (const part of changes) {
    if (typeof part === 'number') {
      if (pos < oldPos + part) return newPos + (pos - oldPos);
      oldPos += part; newPos += part;
    } else {
      const del = part[0], ins = part.slice(1).join('\n').length;
      if (pos === oldPos || pos < oldPos + del) return newPos;
      oldPos += del; newPos += ins;
    }
  }
  return newPos + (pos - oldPos);
}
function insertChanges(len, pos, text) {
  const parts = [];
  if (pos > 0) parts.push(pos);
  parts.push([0, ...text.split('\n')]);
  if (len - pos > 0) parts.push(len - pos);
  return parts;
}
const alphabet = [...'abcdefghijklmnopqrstuvwxyz     (){};=+.\n\n', 'é', 'ß', '😀', '𝄞'];

// -- roomd --
const admin = `crash-test-admin-${opt.seed}-0123456789abcdef`;
const dataDir = path.join(opt.work, 'data');
const logFile = path.join(opt.work, 'roomd.log');
fs.mkdirSync(dataDir, { recursive: true });
class Server {
  constructor() { this.port = 0; this.starts = 0; this.child = null; }
  async start() {
    for (let attempt = 0; attempt < 20; ++attempt) {
      const portFile = path.join(opt.work, `port-${this.starts++}`);
      const log = fs.openSync(logFile, 'a');
      fs.writeSync(log, `\n==== crash.mjs: start ${this.starts} on port ${this.port || 'any'} ====\n`);
      const child = spawn(opt.roomd, ['--listen', `127.0.0.1:${this.port}`, '--data-dir', dataDir, '--runner', 'none',
        '--port-file', portFile, '--web-dir', path.join(opt.work, 'no-web'), '--log-level', 'info',
        '--snapshot-every', String(opt.snapshotEvery)],
      { stdio: ['ignore', log, log], env: { ...process.env, ROOMD_ADMIN_TOKEN: admin } });
      fs.closeSync(log);
      let exited = null;
      child.once('exit', (code, sig) => { exited = { code, sig }; });
      for (let i = 0; i < 600 && !exited; ++i) {
        if (fs.existsSync(portFile)) {
          const text = fs.readFileSync(portFile, 'utf8').trim();
          if (text) {
            this.port = Number(text); this.child = child; this.exited = () => exited;
            return;
          }
        }
        await sleep(50);
      }
      if (!exited) { child.kill('SIGKILL'); throw new Error('roomd did not start within 30 s'); }
      console.log(`roomd exited at start (${JSON.stringify(exited)}), retrying (the port may still be held)`);
      await sleep(500);
    }
    throw new Error('roomd does not start: see ' + logFile);
  }
  async signal(sig) {
    const child = this.child;
    if (this.exited()) throw new Error(`roomd had already exited: ${JSON.stringify(this.exited())}`);
    const done = new Promise((res) => child.once('exit', (code, s) => res({ code, sig: s })));
    child.kill(sig);
    const r = await done;
    this.child = null;
    return r;
  }
  get base() { return `http://127.0.0.1:${this.port}`; }
}
async function http(server, method, p, body, key) {
  const headers = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  try {
    const res = await fetch(server.base + p, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    let json = null; try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  } catch (e) { return { status: 0, text: String(e) }; }
}

// -- clients --
const stats = { acks: 0, rejections: 0, pulls: 0, resumes: 0, reconnectAttempts: 0, errors: {} };
class Client {
  constructor(server, room, n, role, typing) {
    Object.assign(this, { server, room, role, typing });
    this.name = `${role}${n}`;
    this.clientID = `r${room.n}-${role}-${opt.seed}`;
    this.doc = ''; this.version = 0; this.pending = null; this.token = null; this.participantId = null;
    this.seen = new Map(); // version -> {clientID, changes} of every code_changed update received
    this.ws = null; this.joined = false; this.sync = null; this.waitFor = null; this.pullAt = 0;
    this.stopped = false; this.typingOn = true; this.resumes = 0;
  }
  connect() {
    if (this.stopped) return;
    ++stats.reconnectAttempts;
    const ws = new WebSocket(`ws://127.0.0.1:${this.server.port}/ws/${this.room.id}`);
    this.ws = ws; this.joined = false;
    ws.on('open', () => {
      const join = { type: 'join_session', name: this.name, role: this.role };
      if (this.role === 'interviewer') join.key = this.room.key;
      if (this.token) Object.assign(join, { resumeToken: this.token, version: this.version });
      ws.send(JSON.stringify(join));
    });
    ws.on('message', (d) => {
      let m; try { m = JSON.parse(d.toString()); } catch { fail(`${this.name}/${this.room.n}: a frame that is not JSON`); return; }
      try { this.onMessage(m); } catch (e) { fail(`${this.name}/${this.room.n}: ${e.stack}`); }
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.joined = false;
      if (!this.stopped) setTimeout(() => this.connect(), 100 + Math.floor(Math.random() * 200));
    });
  }
  send(m) { if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m)); }
  where() { return `room ${this.room.n} ${this.name}`; }
  onMessage(m) {
    if (m.type === 'session_state') {
      if (this.token === null) {
        this.participantId = m.participantId; this.doc = m.doc; this.version = m.version;
      } else {
        ++this.resumes; ++stats.resumes;
        if (m.participantId !== this.participantId) fail(`${this.where()}: resume gave participant ${m.participantId}, not ${this.participantId}`);
        if (m.version < this.version) fail(`${this.where()}: after a restart the server is at version ${m.version}, the client saw ${this.version} acknowledged`);
        if (m.version > this.version) this.sync = { version: m.version, doc: m.doc, since: Date.now() };
        else if (m.doc !== this.doc) fail(`${this.where()}: resumed at version ${m.version} with a different document`);
      }
      this.token = m.resumeToken;
      this.joined = true;
      this.waitFor = null;
      if (this.pending) this.pending.inFlight = false; // its answer may have died with the socket
      if (!this.sync && this.pending) this.sendPending();
      return;
    }
    if (!this.joined) return;
    if (m.type === 'code_changed') return this.onChanged(m);
    if (m.type === 'code_update_rejected') {
      ++stats.rejections;
      if (!this.pending) return;
      this.pending.inFlight = false;
      if (this.version >= m.version) this.sendPending();
      else this.waitFor = m.version; // the code_changed that made it stale are on their way
      return;
    }
    if (m.type === 'error') {
      stats.errors[m.code] = (stats.errors[m.code] ?? 0) + 1;
      if (this.pending && this.pending.inFlight) this.pending.inFlight = false; // tick sends it again
      if (m.code === 'invalid_changes') fail(`${this.where()}: invalid_changes: ${m.message}`);
    }
  }
  onChanged(m) {
    if (m.from > this.version) { this.pull(); return; } // a gap: ask for it
    const skip = this.version - m.from;
    for (let i = skip; i < m.updates.length; ++i) {
      const u = m.updates[i];
      const v = m.from + i + 1;
      this.seen.set(v, { clientID: u.clientID, changes: u.changes });
      this.doc = applyChanges(this.doc, u.changes);
      if (u.clientID === this.clientID) {
        if (!this.pending) fail(`${this.where()}: its own update arrived at version ${v} while it had none in flight (applied twice?)`);
        else { this.pending = null; ++stats.acks; }
      } else if (this.pending) {
        this.pending.pos = mapPos(u.changes, this.pending.pos);
      }
      this.version = v;
    }
    if (this.sync && this.version >= this.sync.version) {
      if (this.version === this.sync.version && this.doc !== this.sync.doc)
        fail(`${this.where()}: caught up to version ${this.version} after a resume with a document unlike session_state's`);
      this.sync = null;
    }
    if (!this.sync && this.pending && !this.pending.inFlight && (this.waitFor === null || this.version >= this.waitFor)) this.sendPending();
  }
  pull() {
    const now = Date.now();
    if (now - this.pullAt < 500) return;
    this.pullAt = now; ++stats.pulls;
    this.send({ type: 'pull', version: this.version });
  }
  sendPending() {
    this.waitFor = null;
    this.pending.inFlight = true;
    this.send({ type: 'code_update', version: this.version,
      updates: [{ clientID: this.clientID, changes: insertChanges(this.doc.length, this.pending.pos, this.pending.text) }] });
  }
  tick() {
    if (this.stopped) return;
    if (this.joined && !this.sync) {
      if (!this.pending && this.typing && this.typingOn) {
        let pos = randInt(0, this.doc.length);
        const c = this.doc.charCodeAt(pos - 1);
        if (pos > 0 && c >= 0xd800 && c <= 0xdbff) pos -= 1; // never inside a surrogate pair
        this.pending = { pos, text: alphabet[randInt(0, alphabet.length - 1)], inFlight: false };
        this.sendPending();
      } else if (this.pending && !this.pending.inFlight && this.waitFor === null) {
        this.sendPending();
      } else if (this.pending && (this.waitFor !== null || this.pending.inFlight)) {
        // Stuck: an answer lost with a dropped connection is repaired by resume; this covers
        // a rejection whose catch-up we missed.
        if (this.waitFor !== null) this.pull();
      }
    } else if (this.joined && this.sync && Date.now() - this.sync.since > 3000) {
      this.pull();
    }
    setTimeout(() => this.tick(), randInt(20, 80));
  }
  settled() { return this.joined && !this.sync && !this.pending; }
}

// -- the run --
const t0 = Date.now();
const server = new Server();
await server.start();
console.log(`roomd on port ${server.port}; ${opt.rooms} rooms, ${opt.kills} kills, seed ${opt.seed}`);
const rooms = [];
for (let n = 0; n < opt.rooms; ++n) {
  const r = await http(server, 'POST', '/api/sessions', { title: `crash room ${n}` }, admin);
  if (r.status !== 201) { fail(`create session ${n}: ${r.status} ${r.text}`); break; }
  rooms.push({ n, id: r.json.sessionId, key: r.json.interviewerKey });
}
const clients = [];
for (const room of rooms) {
  const both = room.n % 3 !== 0;
  clients.push(new Client(server, room, room.n, 'interviewer', both), new Client(server, room, room.n, 'candidate', true));
}
clients.forEach((c) => { c.connect(); c.tick(); });

let killsSurvived = 0, snapshotsWritten = 0;
/// Snapshots the running roomd wrote since it started (its /metrics counter).
async function snapshotsSoFar() {
  const r = await http(server, 'GET', '/metrics');
  const m = /^rooms_snapshots_written_total (\d+)/m.exec(r.text ?? '');
  return m ? Number(m[1]) : 0;
}
for (let k = 1; k <= opt.kills && failures.length === 0; ++k) {
  await sleep(randInt(opt.minGap, opt.maxGap));
  snapshotsWritten += await snapshotsSoFar();
  const before = stats.acks;
  const r = await server.signal('SIGKILL');
  if (r.sig !== 'SIGKILL') fail(`kill ${k}: roomd ended with ${JSON.stringify(r)}, not by SIGKILL`);
  await server.start();
  ++killsSurvived;
  console.log(`kill ${k}: SIGKILL after ${before} acknowledged updates in all; restarted on port ${server.port}`);
}

// Stop typing, let every update be acknowledged, then compare with the server.
clients.forEach((c) => { c.typingOn = false; });
async function until(pred, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) { if (pred()) return true; await sleep(100); }
  return pred();
}
const settled = await until(() => clients.every((c) => c.settled()), 60000);
expect(settled, `every client reconnected, resumed and had its last update acknowledged (${clients.filter((c) => !c.settled()).length} not)`);
await until(() => rooms.every((room) => {
  const [a, b] = clients.filter((c) => c.room === room);
  if (a.version !== b.version) { a.pull(); b.pull(); }
  return a.version === b.version;
}), 20000);

async function compareStates(when) {
  let ok = 0;
  for (const room of rooms) {
    const [a, b] = clients.filter((c) => c.room === room);
    const st = await http(server, 'GET', `/api/sessions/${room.id}/state`, null, room.key);
    if (st.status !== 200) { fail(`${when}: room ${room.n} GET /state ${st.status}`); continue; }
    if (a.version !== b.version || a.doc !== b.doc) fail(`${when}: room ${room.n} clients disagree (versions ${a.version}, ${b.version})`);
    else if (st.json.version !== a.version || st.json.doc !== a.doc)
      fail(`${when}: room ${room.n} /state is version ${st.json.version} (${st.json.doc.length} units), the clients saw ${a.version} (${a.doc.length} units)`);
    else ++ok;
  }
  expect(ok === rooms.length, `${when}: GET /state equals what both clients last saw in ${ok}/${rooms.length} rooms`);
}
await compareStates('live');
clients.forEach((c) => { c.stopped = true; if (c.ws) c.ws.terminate(); });

// One more crash, then read the log back.
snapshotsWritten += await snapshotsSoFar();
const last = await server.signal('SIGKILL');
if (last.sig !== 'SIGKILL') fail(`final kill: roomd ended with ${JSON.stringify(last)}`);
await server.start();
await compareStates('after a final SIGKILL');
let observations = 0, logEvents = 0, missing = 0;
const failuresBeforeLog = failures.length;
for (const room of rooms) {
  const log = new Map();
  let from = 1;
  while (from !== null) {
    const r = await http(server, 'GET', `/api/sessions/${room.id}/events?from=${from}&limit=10000`, null, room.key);
    if (r.status !== 200) { fail(`room ${room.n}: GET /events ${r.status}`); break; }
    for (const e of r.json.events) if (e.type === 'code_changed') log.set(e.version, e);
    from = r.json.next;
  }
  const [a] = clients.filter((c) => c.room === room);
  for (let v = 1; v <= a.version; ++v) if (!log.has(v)) { ++missing; fail(`room ${room.n}: version ${v} not in the log`); }
  if (log.size !== a.version) fail(`room ${room.n}: the log has ${log.size} code_changed events, the clients saw version ${a.version}`);
  logEvents += log.size;
  for (const c of clients.filter((x) => x.room === room)) {
    for (const [v, u] of c.seen) {
      ++observations;
      const e = log.get(v);
      if (!e) { if (!missing) fail(`room ${room.n}: ${c.name} saw version ${v} acknowledged, the log does not have it`); continue; }
      if (e.clientID !== u.clientID || JSON.stringify(e.changes) !== JSON.stringify(u.changes))
        fail(`room ${room.n}: version ${v} in the log (${e.clientID} ${JSON.stringify(e.changes)}) differs from what ${c.name} saw (${u.clientID} ${JSON.stringify(u.changes)})`);
    }
  }
}
expect(failures.length === failuresBeforeLog && observations > 0, `every acknowledged update any client saw is in the log (${observations} observations of ${logEvents} logged updates)`);

const term = await server.signal('SIGTERM');
expect(term.code === 0, `roomd exits 0 on SIGTERM (${JSON.stringify(term)})`);
const verify = spawnSync(opt.roomctl, ['--db', dataDir, 'verify', '--all'], { encoding: 'utf8', env: { ...process.env, ROOMD_ADMIN_TOKEN: admin } });
const verifyLast = (verify.stdout || '').trim().split('\n').pop();
expect(verify.status === 0, `roomctl --db DATA verify --all exits 0 (${verify.status}: ${verifyLast}${verify.stderr ? ' ' + verify.stderr.trim().split('\n').pop() : ''})`);

const summary = {
  seed: opt.seed, snapshotEvery: opt.snapshotEvery, rooms: rooms.length, clients: clients.length, kills: opt.kills, killsSurvived,
  finalKill: true, updatesAcknowledged: stats.acks, rejectionsRebased: stats.rejections, pulls: stats.pulls,
  resumes: stats.resumes, snapshotsWritten, clientsThatResumed: clients.filter((c) => c.resumes > 0).length,
  eventsChecked: observations, loggedUpdatesChecked: logEvents, errors: stats.errors,
  docUnits: clients.reduce((n, c) => n + (c.role === 'candidate' ? c.doc.length : 0), 0),
  verify: verifyLast, seconds: Math.round((Date.now() - t0) / 100) / 10, failures: failures.length,
};
console.log(JSON.stringify(summary));
console.log(failures.length ? `crash test FAILED (${failures.length} problems; roomd log: ${logFile})` :
  `crash test passed: ${killsSurvived} kills survived, ${observations} events checked, ${stats.resumes} resumes`);
process.exit(failures.length ? 1 : 0);
