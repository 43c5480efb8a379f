// Disk-full check of roomd (run by tools/disk-full-test, which mounts the small filesystem).
// usage: node disk_full.mjs <roomd> <data-dir on the small fs> <filler file to delete> <log file>
// Prints what happens at each step and a JSON summary; exits 1 when an expectation fails.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../e2e/package.json'));
const WebSocket = require('ws');

const [roomd, dataDir, filler, logFile] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const failures = [];
const expect = (ok, what) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failures.push(what); };

function startRoomd() {
  const portFile = path.join(path.dirname(logFile), `port-${Date.now()}`);
  const log = fs.openSync(logFile, 'a');
  const child = spawn(roomd, ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--runner', 'none',
    '--port-file', portFile, '--message-rate', '100000', '--message-burst', '100000',
    '--max-doc', '100000000', '--max-message-bytes', '4194304', '--log-level', 'info'],
    { stdio: ['ignore', log, log] });
  return (async () => {
    for (let i = 0; i < 200; ++i) {
      if (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim()) {
        const port = Number(fs.readFileSync(portFile, 'utf8').trim());
        return { child, port, base: `http://127.0.0.1:${port}` };
      }
      await sleep(50);
    }
    throw new Error('roomd did not start');
  })();
}
async function stopRoomd(r) {
  r.child.kill('SIGTERM');
  await new Promise((res) => r.child.once('exit', res));
}
async function http(r, method, p, body, key) {
  const headers = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  try {
    const res = await fetch(r.base + p, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    let json = null; try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  } catch (e) { return { status: 0, text: String(e) }; }
}

/// A joined participant that tracks the document length and version from the echoes.
class Client {
  constructor(r, id) { this.r = r; this.id = id; this.inbox = []; this.waiters = []; this.closeCode = null; }
  async open(resume) {
    this.ws = new WebSocket(`ws://127.0.0.1:${this.r.port}/ws/${this.id}`, { maxPayload: 64 << 20 });
    this.ws.on('message', (d) => { this.inbox.push(JSON.parse(d.toString())); this.wake(); });
    this.ws.on('close', (code) => { this.closeCode = code; this.wake(); });
    this.ws.on('error', () => {});
    await new Promise((res, rej) => { this.ws.once('open', res); this.ws.once('error', rej); });
    this.ws.send(JSON.stringify(resume ? { type: 'join_session', name: 'filler', role: 'candidate', resumeToken: resume, version: this.version }
      : { type: 'join_session', name: 'filler', role: 'candidate' }));
    const st = await this.next((m) => m.type === 'session_state' || m.type === 'error', 5000);
    if (!st || st.type !== 'session_state') throw new Error('join failed: ' + JSON.stringify(st));
    this.version = st.version; this.length = [...st.doc].reduce((n, ch) => n + (ch.codePointAt(0) > 0xffff ? 2 : 1), 0);
    this.token = st.resumeToken;
    return st;
  }
  wake() { const w = this.waiters; this.waiters = []; w.forEach((f) => f()); }
  async next(pred, ms) {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex(pred);
      if (i >= 0) return this.inbox.splice(i, 1)[0];
      if (this.closeCode !== null || Date.now() >= deadline) return null;
      await new Promise((res) => { this.waiters.push(res); setTimeout(res, Math.max(1, deadline - Date.now())); });
    }
  }
  /// Inserts `text` at the end; resolves to 'ok', or the error/close that answered.
  async insert(text, ms = 10000) {
    const ref = `r${Math.random()}`;
    this.ws.send(JSON.stringify({ type: 'code_update', ref, version: this.version,
      updates: [{ clientID: 'fill', changes: [this.length, [0, text]] }] }));
    const m = await this.next((x) => (x.type === 'code_changed' && x.from === this.version) || x.ref === ref, ms);
    if (!m) return this.closeCode !== null ? `closed ${this.closeCode}` : 'timeout';
    if (m.type === 'code_changed') { this.version += m.updates.length; this.length += text.length; return 'ok'; }
    return `${m.type}:${m.code ?? m.version ?? ''}`;
  }
}

const summary = {};
let r = await startRoomd();
// 1. A session logged before the fill: its events must survive everything below.
const a = await http(r, 'POST', '/api/sessions', { title: 'before the fill' });
expect(a.status === 201, `create session A (${a.status})`);
const ca = new Client(r, a.json.sessionId);
await ca.open();
for (let i = 0; i < 20; ++i) await ca.insert(`line ${i}\n`);
const eventsBefore = (await http(r, 'GET', `/api/sessions/${a.json.sessionId}/events?limit=1000`, null, a.json.interviewerKey)).json.events;
const stateBefore = (await http(r, 'GET', `/api/sessions/${a.json.sessionId}/state`, null, a.json.interviewerKey)).json;
summary.eventsBefore = eventsBefore.length;

// 2. Fill the disk through WebSocket edits.
const b = await http(r, 'POST', '/api/sessions', {});
const cb = new Client(r, b.json.sessionId);
await cb.open();
const chunk = 'x'.repeat(64 * 1024);
let accepted = 0, answer = 'ok';
const t0 = Date.now();
while (Date.now() - t0 < 120000) {
  answer = await cb.insert(chunk);
  if (answer !== 'ok') break;
  ++accepted;
}
summary.acceptedChunks = accepted; summary.acceptedBytes = accepted * chunk.length;
summary.firstRefusal = answer; summary.fillSeconds = (Date.now() - t0) / 1000;
console.log(`filled: ${accepted} edits of 64 KiB accepted, then "${answer}" after ${summary.fillSeconds}s`);
expect(answer !== 'ok' && answer !== 'timeout', `a write on the full disk is refused with an answer (${answer})`);
const inboxAfter = cb.inbox.map((m) => m.type + (m.code ? ':' + m.code : ''));
summary.messagesAfterRefusal = inboxAfter.slice(0, 10);
const health = await http(r, 'GET', '/health');
summary.healthWhenFull = health.status; summary.healthBody = health.json;
expect(health.status === 503, `/health is 503 when the disk is full (${health.status} ${health.text})`);
// Another client gets an error for its edit too, and reads still work.
const ca2 = new Client(r, a.json.sessionId);
let joinWhenFull = 'ok';
try { await ca2.open(); } catch (e) { joinWhenFull = String(e.message); }
summary.joinWhenFull = joinWhenFull;
if (joinWhenFull === 'ok') {
  const again = await ca2.insert('more\n', 5000);
  summary.editWhenFull = again;
  // Informational: the guard refuses a batch that does not fit above the reserve, so a small
  // edit may still be accepted while a 64 KiB one is not.
  console.log(`info a 5-byte edit in session A while full: ${again}`);
}
const evFull = await http(r, 'GET', `/api/sessions/${a.json.sessionId}/events?limit=1000`, null, a.json.interviewerKey);
expect(evFull.status === 200 && JSON.stringify(evFull.json.events.slice(0, eventsBefore.length)) === JSON.stringify(eventsBefore),
  `events logged before the fill are intact and readable while full (${evFull.status})`);

// 3. Space comes back: delete the filler file.
fs.unlinkSync(filler);
let healthyAfterMs = null;
const t1 = Date.now();
while (Date.now() - t1 < 10000) {
  if ((await http(r, 'GET', '/health')).status === 200) { healthyAfterMs = Date.now() - t1; break; }
  await sleep(200);
}
summary.healthyWithoutWritesAfterMs = healthyAfterMs;
console.log(`after freeing space, /health 200 without any write: ${healthyAfterMs === null ? 'not within 10 s' : healthyAfterMs + ' ms'}`);
// An edit (fresh connection: the old one may have been told to resume or been closed).
let recovered = 'none';
const t2 = Date.now();
for (let attempt = 0; attempt < 20 && recovered !== 'ok'; ++attempt) {
  try {
    const c = new Client(r, b.json.sessionId);
    await c.open();
    recovered = await c.insert('after\n', 5000);
    c.ws.close();
  } catch (e) { recovered = String(e.message); }
  if (recovered !== 'ok') await sleep(500);
}
summary.editAfterSpaceReturns = recovered; summary.editRecoveredAfterMs = Date.now() - t2;
expect(recovered === 'ok', `an edit is accepted once space returns (${recovered})`);
const h2 = await http(r, 'GET', '/health');
expect(h2.status === 200, `/health is 200 again (${h2.status})`);
const ca3 = new Client(r, a.json.sessionId);
await ca3.open();
expect((await ca3.insert('A again\n')) === 'ok', 'session A accepts edits again');

// 4. Restart: the log is intact, both sessions fold.
ca.ws.terminate(); ca3.ws.close(); cb.ws.terminate(); if (ca2.ws) ca2.ws.terminate();
await stopRoomd(r);
r = await startRoomd();
const evAfter = await http(r, 'GET', `/api/sessions/${a.json.sessionId}/events?limit=1000`, null, a.json.interviewerKey);
expect(evAfter.status === 200 && JSON.stringify(evAfter.json.events.slice(0, eventsBefore.length)) === JSON.stringify(eventsBefore),
  'after a restart the events before the fill are unchanged');
const stA = await http(r, 'GET', `/api/sessions/${a.json.sessionId}/state?seq=${stateBefore.seq}`, null, a.json.interviewerKey);
expect(stA.status === 200 && stA.json.doc === stateBefore.doc, 'the state as of the fill folds to the same document');
const stB = await http(r, 'GET', `/api/sessions/${b.json.sessionId}/state`, null, b.json.interviewerKey);
summary.sessionBAfterRestart = { status: stB.status, version: stB.json?.version, docLength: stB.json?.doc?.length };
expect(stB.status === 200 && stB.json.version >= accepted, `session B folds after restart with every acknowledged edit (version ${stB.json?.version} >= ${accepted})`);
await stopRoomd(r);
console.log(JSON.stringify(summary, null, 1));
process.exit(failures.length ? 1 : 0);
