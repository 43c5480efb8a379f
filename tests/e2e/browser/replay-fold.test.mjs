// The replay page's fold agrees with the server's: sessions recorded on a real roomd by WebSocket
// clients (typing, stale and fresh cursors, language changes, joins, clean and dropped leaves, runs
// with output, stdin and failures, notes, focus, calls joined, muted and left, a fork, an
// interview with a lobby, start, end, reopen, controls, scorecards and pastes) are folded by
// web/src/replay/fold.ts itself (bundled for node with the esbuild Vite ships, from the same source
// the page is built from) and compared with GET /state?seq=n at EVERY seq n: doc, version,
// language, participants, cursors as last logged, lastRun, phase, controls, calls, question,
// lastTestRun, testsRunning, terminal (a question loaded and test runs are recorded too, and
// interactive runs on the terminal: a program reading a line, a resize, a REPL stopped). A last test
// proves the comparison fails on a fold of slightly wrong events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { ChangeSet, Text } from '@codemirror/state';
import { repoRoot, startRoomd } from '../lib/roomd.mjs';

let roomd, web, tmp;
const peers = [];
const recorded = []; // { name, s, events }

/** web/src/replay/fold.ts and the event narrowing of web/src/protocol.ts, as one node module. */
async function loadWebFold() {
  const esbuild = createRequire(path.join(repoRoot, 'web/package.json'))('esbuild');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'web-fold-'));
  const out = path.join(tmp, 'fold.mjs');
  await esbuild.build({
    stdin: { contents: "export { foldEvents } from './replay/fold';\nexport { asLogEvent } from './protocol';\n", resolveDir: path.join(repoRoot, 'web/src'), loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    logLevel: 'error',
  });
  return import(pathToFileURL(out).href);
}

before(async () => {
  web = await loadWebFold();
  roomd = await startRoomd({ extraArgs: ['--resume-grace', '1s'] });
});
after(async () => {
  for (const p of peers) p.ws?.terminate();
  await roomd?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// Deterministic pseudo-random numbers (mulberry32), so a failure can be reproduced.
const SEED = Number(process.env.REPLAY_FOLD_SEED ?? 424242);
let seed = SEED;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const PIECES = ['x', 'def f():\n    return 1\n', ' ', '\n', 'é', '😀', 'print("hi")\n', '{}', '\t', 'ünï'];

async function until(pred, what, timeout = 10_000) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeout) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A participant that acts one step at a time: each edit waits for its echo. */
class Peer {
  constructor(s, name, role) {
    Object.assign(this, { s, name, role, clientID: `${name}-${Math.floor(rand() * 1e9).toString(36)}` });
    this.doc = Text.empty;
    this.version = 0;
    this.docs = new Map(); // version -> document (for stale cursors)
    this.runs = new Map(); // runId -> run_finished
    this.errors = [];
    peers.push(this);
  }

  async join() {
    this.ws = new WebSocket(`${roomd.url.replace('http', 'ws')}/ws/${this.s.sessionId}`);
    this.ws.on('message', (d) => this.onMessage(JSON.parse(String(d))));
    await new Promise((res, rej) => {
      this.ws.once('open', res);
      this.ws.once('error', rej);
    });
    this.send({ type: 'join_session', name: this.name, role: this.role, ...(this.role === 'interviewer' ? { key: this.s.interviewerKey } : {}) });
    await until(() => this.participantId, `${this.name} joined`);
  }

  send(m) {
    this.ws.send(JSON.stringify(m));
  }

  onMessage(m) {
    if (m.type === 'session_state') {
      this.participantId = m.participantId;
      this.phase = m.phase;
      if (typeof m.doc !== 'string') return; // a candidate waiting in the lobby sees no document
      this.doc = Text.of(m.doc.split('\n'));
      this.version = m.version;
      this.docs.set(this.version, this.doc);
    } else if (m.type === 'code_changed') {
      for (const u of m.updates.slice(this.version - m.from)) {
        this.doc = ChangeSet.fromJSON(u.changes).apply(this.doc);
        this.docs.set(++this.version, this.doc);
      }
    } else if (m.type === 'phase_changed') this.phase = m.phase;
    else if (m.type === 'controls_changed') this.controls = m;
    else if (m.type === 'run_finished') this.runs.set(m.runId, m);
    else if (m.type === 'run_started' && m.interactive) {
      this.terminal = { runId: m.runId, cols: m.cols, rows: m.rows };
      this.termOut = '';
    } else if (m.type === 'terminal_output' && m.runId === this.terminal?.runId) this.termOut += m.data;
    else if (m.type === 'terminal_resized' && m.runId === this.terminal?.runId) Object.assign(this.terminal, { cols: m.cols, rows: m.rows });
    else if (m.type === 'tests_finished') this.runs.set(m.runId, m);
    else if (m.type === 'error') this.errors.push(m);
  }

  async edit(signal = {}) {
    const len = this.doc.length;
    const str = this.doc.toString();
    let from = Math.floor(rand() * (len + 1));
    if (from > 0 && from < len && /[\uDC00-\uDFFF]/.test(str[from])) from--; // never split a surrogate pair
    let to = from;
    if (len && rand() < 0.3) {
      to = Math.min(len, from + 1 + Math.floor(rand() * 5));
      if (to < len && /[\uDC00-\uDFFF]/.test(str[to])) to++;
    }
    const insert = to === from || rand() < 0.8 ? pick(PIECES) : '';
    const v = this.version;
    this.send({ type: 'code_update', version: v, updates: [{ clientID: this.clientID, changes: ChangeSet.of({ from, to, insert }, len).toJSON(), ...signal }] });
    await until(() => this.version > v, `${this.name}'s edit echoed`);
  }

  /** A cursor at the current version, or (stale) at an older one the server maps forward. */
  cursor() {
    const v = Math.max(0, this.version - (rand() < 0.4 ? 1 + Math.floor(rand() * 3) : 0));
    const d = this.docs.get(v) ?? this.doc;
    const at = this.docs.has(v) ? v : this.version;
    const a = Math.floor(rand() * (d.length + 1));
    this.send({ type: 'cursor_update', version: at, anchor: a, head: rand() < 0.5 ? a : Math.floor(rand() * (d.length + 1)) });
  }

  async run(stdin) {
    const before = this.runs.size;
    this.send({ type: 'run_code', ...(stdin !== undefined ? { stdin } : {}) });
    await until(() => this.runs.size > before, `${this.name}'s run finished`, 20_000);
  }

  leave() {
    this.ws.close(1000);
  }
  drop() {
    this.ws.terminate(); // no close frame: participant_left {reason: "disconnected"} after --resume-grace
  }
}

async function create(body) {
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 201);
  return r.json();
}

async function getJSON(p, key) {
  const r = await fetch(`${roomd.url}${p}`, { headers: { authorization: `Bearer ${key}` } });
  const body = await r.json();
  assert.equal(r.status, 200, `${p}: ${JSON.stringify(body)}`);
  return body;
}

/** Wait until every connected peer of the session has the same version, then let the log settle. */
async function settle(list) {
  await until(() => list.every((p) => p.version === list[0].version), 'peers to converge');
  await sleep(30);
}

async function record(name, s) {
  const { events } = await getJSON(`/api/sessions/${s.sessionId}/events?from=1&limit=10000`, s.interviewerKey);
  recorded.push({ name, s, events });
  return events;
}

const runnable = async () => (await (await fetch(`${roomd.url}/api/runtimes`)).json()).map((r) => r.language);

test('record: two people type, move cursors, switch languages, run, take notes, lose focus, leave', async () => {
  const langs = await runnable();
  assert.ok(langs.includes('python'), `python is a runtime (tools/bootstrap installs it): ${langs}`);
  const s = await create({ title: 'Backend - Jane Doe', language: 'plaintext' });
  const ann = new Peer(s, 'Ann', 'interviewer');
  const bob = new Peer(s, 'Bob', 'candidate');
  await ann.join();
  await bob.join();
  for (let i = 0; i < 70; i++) {
    const who = rand() < 0.5 ? ann : bob;
    await who.edit();
    await settle([ann, bob]);
    if (i % 4 === 0) who.cursor();
    if (i === 20) ann.send({ type: 'language_change', language: 'python' });
    if (i === 25) ann.send({ type: 'add_note', text: 'Bob writes tests first' });
    if (i === 30) bob.send({ type: 'focus_change', focused: false });
    if (i === 32) bob.send({ type: 'focus_change', focused: true });
    if (i === 40) ann.send({ type: 'language_change', language: 'javascript' });
    if (i === 45) ann.send({ type: 'language_change', language: 'python' });
    // Calls: Ann joins with camera and mic, Bob with his mic, Ann mutes, turns her camera off.
    if (i === 10) ann.send({ type: 'call_state', audio: true, video: true, joined: true });
    if (i === 12) bob.send({ type: 'call_state', audio: true, video: false, joined: true });
    if (i === 50) ann.send({ type: 'call_state', audio: false, video: true, joined: true });
    if (i === 55) ann.send({ type: 'call_state', audio: false, video: false, joined: true });
  }
  // A run of whatever the document is now (likely a syntax error: a failing run is a run too).
  await bob.run();
  const cid = new Peer(s, 'Cid', 'candidate');
  await cid.join();
  cid.send({ type: 'call_state', audio: false, video: true }); // no "joined": audio || video
  for (let i = 0; i < 10; i++) {
    await cid.edit();
    cid.cursor();
    await settle([ann, bob, cid]);
  }
  ann.send({ type: 'call_state', audio: true, video: false, joined: true });
  await sleep(50);
  bob.leave(); // in the call: the room logs his call ended before his leave
  await sleep(100);
  cid.drop(); // in the call too: ended when the grace passes
  await sleep(1600); // the resume grace passes: Cid is logged as disconnected
  ann.cursor();
  await sleep(100);
  const events = await record('typing', s);
  const types = new Set(events.map((e) => e.type));
  for (const t of ['session_created', 'participant_joined', 'participant_left', 'code_changed', 'cursor_moved', 'language_changed', 'run_started', 'run_finished', 'note_added', 'focus_changed', 'call_state_changed'])
    assert.ok(types.has(t), `the log has ${t}`);
  const callEvents = events.filter((e) => e.type === 'call_state_changed');
  assert.ok(callEvents.length >= 8, `joins, mutes and the two ends by leaving: ${callEvents.length}`);
  assert.equal(callEvents.filter((e) => e.joined === false).length, 2, 'Bob and Cid left the call with the room');
  assert.deepEqual(events.filter((e) => e.type === 'participant_left').map((e) => e.reason).sort(), ['disconnected', 'left']);
  assert.deepEqual([ann, bob, cid].flatMap((p) => p.errors), []);
});

test('record: runs (output, stdin, failure, stderr) between edits, in python', async () => {
  const s = await create({ language: 'python', title: 'Runs' });
  const ivy = new Peer(s, 'Ivy', 'interviewer');
  await ivy.join();
  const program = async (code) => {
    ivy.send({ type: 'code_update', version: ivy.version, updates: [{ clientID: ivy.clientID, changes: ChangeSet.of({ from: 0, to: ivy.doc.length, insert: code }, ivy.doc.length).toJSON() }] });
    const v = ivy.version;
    await until(() => ivy.version > v, 'program written');
  };
  await program('print("first")\n');
  await ivy.run();
  await program('import sys\nprint(sys.stdin.read().upper())\n');
  await ivy.run('from stdin\n');
  await program('import sys\nsys.stderr.write("oops\\n")\nsys.exit(3)\n');
  await ivy.run();
  await ivy.edit();
  ivy.cursor();
  await sleep(100);
  const events = await record('runs', s);
  const finished = events.filter((e) => e.type === 'run_finished');
  assert.equal(finished.length, 3);
  assert.equal(finished[0].stdout, 'first\n');
  assert.equal(finished[1].stdout, 'FROM STDIN\n\n');
  assert.equal(finished[2].exitCode, 3);
});

test('record: people come and go (their cursors go with them), and a fork', async () => {
  const s = await create({ title: 'Churn', language: 'javascript' });
  const host = new Peer(s, 'Hal', 'interviewer');
  await host.join();
  await host.edit();
  for (let round = 0; round < 6; round++) {
    const guest = new Peer(s, `Guest ${round}`, round % 2 ? 'candidate' : 'interviewer');
    await guest.join();
    await guest.edit();
    guest.cursor();
    await settle([host, guest]);
    host.cursor();
    if (round % 2) guest.leave();
    else guest.drop();
    await sleep(round % 2 ? 100 : 1300);
  }
  const events = await record('churn', s);
  assert.ok(events.filter((e) => e.type === 'participant_left').length >= 6);
  // A fork starts with its own session_created and the document as one code_changed.
  const mid = events[Math.floor(events.length / 2)].seq;
  const r = await fetch(`${roomd.url}/api/sessions/${s.sessionId}/fork`, { method: 'POST', headers: { authorization: `Bearer ${s.interviewerKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ seq: mid }) });
  assert.equal(r.status, 201);
  const fk = await r.json();
  const fay = new Peer(fk, 'Fay', 'candidate');
  await fay.join();
  await fay.edit();
  fay.cursor();
  fay.leave();
  await sleep(100);
  await record('fork', fk);
});

test('record: an interview: lobby, start, pastes, controls, end, reopen, scorecards', async () => {
  const s = await create({ title: 'Interview', language: 'python', lobby: true });
  const ann = new Peer(s, 'Ann', 'interviewer');
  const cal = new Peer(s, 'Cal', 'candidate');
  await ann.join();
  for (let i = 0; i < 5; i++) await ann.edit();
  await cal.join();
  assert.equal(cal.phase, 'lobby');
  ann.send({ type: 'save_scorecard', ratings: { testing: 2 }, comments: [{ text: 'prepared', seq: 3 }], submitted: false });
  ann.send({ type: 'set_controls', runDisabled: true });
  ann.send({ type: 'start_interview' });
  await until(() => cal.phase === 'live' && cal.version === ann.version && cal.version > 0, 'the candidate gets the room');
  for (let i = 0; i < 6; i++) {
    await cal.edit(pick([{ origin: 'typed' }, { origin: 'paste', pasteFrom: 'outside' }, { origin: 'paste', pasteFrom: 'inside' }, { origin: 'undo' }, {}]));
    await settle([ann, cal]);
  }
  ann.send({ type: 'set_controls', editorLocked: true, runDisabled: false });
  await ann.edit();
  await settle([ann, cal]);
  ann.send({ type: 'end_interview' });
  await sleep(50);
  ann.send({ type: 'save_scorecard', ratings: { testing: 3, communication: 4 }, recommendation: 'yes', comments: [{ text: 'pasted a helper', seq: 10 }], submitted: true });
  ann.send({ type: 'reopen_interview' });
  ann.send({ type: 'set_controls', editorLocked: false });
  await until(() => cal.phase === 'live' && cal.controls?.editorLocked === false, 'the candidate may edit again');
  await cal.edit({ origin: 'drop', pasteFrom: 'outside' });
  await sleep(100);
  const events = await record('interview', s);
  const types = new Set(events.map((e) => e.type));
  for (const t of ['phase_changed', 'controls_changed', 'scorecard_saved']) assert.ok(types.has(t), `the log has ${t}`);
  assert.equal(events[0].phase, 'lobby');
  assert.deepEqual(events.filter((e) => e.type === 'phase_changed').map((e) => e.phase), ['live', 'ended', 'live']);
  assert.ok(events.some((e) => e.type === 'code_changed' && e.pasteFrom === 'outside'));
  assert.deepEqual([ann, cal].flatMap((p) => p.errors), []);
});

test('record: a room started from a question, another loaded with its starter, test runs between edits', async () => {
  // A question in the library (the admin writes it), with a hidden test.
  const admin = fs.readFileSync(path.join(roomd.dataDir, 'admin.token'), 'utf8').trim();
  const question = {
    questionId: 'double',
    title: 'Double it',
    statement: 'Print twice the number you read.',
    languages: { python: { starter: 'n = int(input())\nprint(n)\n' } },
    tests: [
      { name: 'one', stdin: '1\n', expected: '2\n', hidden: false },
      { name: 'big', stdin: '21\n', expected: '42\n', hidden: false },
      { name: 'secret', stdin: '-5\n', expected: '-10\n', hidden: true },
    ],
    tags: ['math'],
    difficulty: 'easy',
  };
  const put = await fetch(`${roomd.url}/api/questions`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(question) });
  assert.equal(put.status, 201, await put.text());
  const s = await create({ questionId: 'double', title: 'Tests' });
  const ivy = new Peer(s, 'Ivy', 'interviewer');
  const cy = new Peer(s, 'Cy', 'candidate');
  await ivy.join();
  await cy.join();
  const runTests = async (p) => {
    const before = p.runs.size;
    p.send({ type: 'run_tests' });
    await until(() => p.runs.size > before, `${p.name}'s test run finished`, 30_000);
  };
  await runTests(cy); // the starter: 0/3
  await cy.edit();
  await settle([ivy, cy]);
  ivy.send({ type: 'load_question', questionId: 'double', replaceCode: true });
  await until(() => cy.doc.toString() === question.languages.python.starter, 'the starter replaced the document');
  const v = cy.version;
  cy.send({ type: 'code_update', version: v, updates: [{ clientID: cy.clientID, changes: ChangeSet.of({ from: 0, to: cy.doc.length, insert: 'print(2 * int(input()))\n' }, cy.doc.length).toJSON() }] });
  await until(() => cy.version > v, 'solution written');
  await runTests(ivy); // 3/3
  await sleep(100);
  const events = await record('tests', s);
  const finished = events.filter((e) => e.type === 'tests_finished');
  assert.deepEqual(finished.map((e) => `${e.passed}/${e.total}`), ['0/3', '3/3']);
  assert.equal(events.filter((e) => e.type === 'question_loaded').length, 2);
  assert.deepEqual([ivy, cy].flatMap((p) => p.errors), []);
});

test('record: the terminal: a program reading a line, resized, answered; a REPL, stopped', async () => {
  const s = await create({ language: 'python', title: 'Terminal' });
  const ivy = new Peer(s, 'Ivy', 'interviewer');
  const cy = new Peer(s, 'Cy', 'candidate');
  await ivy.join();
  await cy.join();
  const code = 'name = input("name? ")\nprint("hello", name)\n';
  const v = cy.version;
  cy.send({ type: 'code_update', version: v, updates: [{ clientID: cy.clientID, changes: ChangeSet.of({ from: 0, to: cy.doc.length, insert: code }, cy.doc.length).toJSON() }] });
  await until(() => cy.version > v && ivy.version === cy.version, 'program written');
  await sleep(30);
  const runs = ivy.runs.size;
  cy.send({ type: 'run_code', interactive: true, cols: 60, rows: 12 });
  await until(() => ivy.termOut?.includes('name? ') && cy.termOut?.includes('name? '), 'the prompt', 20_000);
  const first = ivy.terminal.runId;
  ivy.send({ type: 'terminal_resize', runId: first, cols: 70, rows: 20 });
  await until(() => cy.terminal.cols === 70 && cy.terminal.rows === 20, 'the resize');
  ivy.send({ type: 'terminal_input', runId: first, data: 'Ä' });
  ivy.send({ type: 'terminal_input', runId: first, data: 'da\r' });
  await until(() => ivy.runs.size > runs, 'the program ended', 20_000);
  assert.match(ivy.termOut, /hello Äda/);
  assert.equal(ivy.runs.get(first).exitCode, 0);
  cy.send({ type: 'terminal_input', runId: first, data: 'late\r' }); // the run ended: refused
  await until(() => cy.errors.length, 'input to an ended run refused');
  assert.equal(cy.errors[0].code, 'invalid_changes');
  cy.errors.length = 0;
  ivy.send({ type: 'start_repl' });
  await until(() => ivy.terminal.runId !== first && ivy.termOut.includes('>>> '), 'the REPL prompt', 20_000);
  const repl = ivy.terminal.runId;
  cy.send({ type: 'terminal_input', runId: repl, data: '1+2\r' });
  await until(() => /\b3\r?\n/.test(ivy.termOut), 'the sum', 20_000);
  cy.send({ type: 'stop_run', runId: repl });
  await until(() => ivy.runs.has(repl), 'the REPL stopped', 20_000);
  await sleep(100);
  const events = await record('terminal', s);
  const started = events.filter((e) => e.type === 'run_started');
  assert.deepEqual(started.map((e) => [e.interactive, e.repl, e.cols, e.rows]), [[true, false, 60, 12], [true, true, 80, 24]]);
  for (const t of ['terminal_output', 'terminal_input', 'terminal_resized']) assert.ok(events.some((e) => e.type === t), `the log has ${t}`);
  assert.equal(events.filter((e) => e.type === 'terminal_input').length, 3, 'the refused input is not logged');
  assert.deepEqual([ivy, cy].flatMap((p) => p.errors), []);
});

/** The room state /state answers, from the web fold's frame (the fields /state has). */
function stateOfFrame(fr) {
  return {
    version: fr.version,
    doc: fr.doc.toString(),
    language: fr.language,
    participants: [...fr.present.values()].map(({ participantId, name, role, color }) => ({ participantId, name, role, color })).sort((a, b) => a.participantId.localeCompare(b.participantId)),
    cursors: Object.fromEntries([...fr.logged].map(([pid, c]) => [pid, { version: c.version, anchor: c.anchor, head: c.head }])),
    lastRun: fr.lastRun,
    phase: fr.phase,
    controls: fr.controls,
    calls: Object.fromEntries(fr.calls),
    question: fr.question,
    lastTestRun: fr.lastTestRun,
    testsRunning: fr.testsRunning,
    terminal: fr.terminal,
  };
}

function stateOfServer(st) {
  return {
    version: st.version,
    doc: st.doc,
    language: st.language,
    participants: st.participants.map(({ participantId, name, role, color }) => ({ participantId, name, role, color })).sort((a, b) => a.participantId.localeCompare(b.participantId)),
    cursors: st.cursors,
    lastRun: st.lastRun,
    phase: st.phase,
    controls: st.controls,
    calls: st.calls,
    question: st.question,
    lastTestRun: st.lastTestRun,
    testsRunning: st.testsRunning,
    terminal: st.terminal,
  };
}

/** Fold with the web code; throws at the first seq whose state differs from the server's. */
function compare(events, states, label) {
  const folded = web.foldEvents(events.map((e) => web.asLogEvent(e)));
  assert.equal(folded.error, undefined, `${label}: the web fold stopped: ${folded.error}`);
  assert.equal(folded.frames.length, events.length);
  for (let i = 0; i < events.length; i++) {
    const fr = folded.frames[i];
    assert.deepEqual(stateOfFrame(fr), stateOfServer(states[i]), `${label}: state at seq ${events[i].seq} (${events[i].type})`);
    // The cursors the page draws: as logged, mapped through later changes, inside the document.
    for (const [pid, c] of fr.cursors) {
      const l = fr.logged.get(pid);
      assert.ok(l, `${label}: a drawn cursor of ${pid} was logged`);
      if (l.version === fr.version) assert.deepEqual(c, { anchor: l.anchor, head: l.head });
      assert.ok(c.anchor <= fr.doc.length && c.head <= fr.doc.length);
    }
  }
  return folded;
}

const statesCache = new Map();
async function statesOf({ s, events }) {
  if (!statesCache.has(s.sessionId)) {
    const out = [];
    for (const e of events) out.push(await getJSON(`/api/sessions/${s.sessionId}/state?seq=${e.seq}`, s.interviewerKey));
    statesCache.set(s.sessionId, out);
  }
  return statesCache.get(s.sessionId);
}

test('the web fold equals GET /state?seq=n at every seq of every recorded session', async (t) => {
  assert.equal(recorded.length, 7);
  for (const rec of recorded) {
    const states = await statesOf(rec);
    states.forEach((st, i) => assert.equal(st.seq, rec.events[i].seq));
    const folded = compare(rec.events, states, rec.name);
    const last = folded.frames.at(-1);
    t.diagnostic(`${rec.name}: ${rec.events.length} events, version ${last.version}, ${last.doc.length} units, ${folded.runs.size} runs, ${folded.notes.length} notes`);
  }
  const runs = recorded.find((r) => r.name === 'runs');
  assert.equal((await statesOf(runs)).at(-1).lastRun.exitCode, 3, 'lastRun was compared with a real run in it');
  const tests = (await statesOf(recorded.find((r) => r.name === 'tests'))).at(-1);
  assert.equal(tests.lastTestRun.passed, 3, 'lastTestRun was compared with a real test run in it');
  assert.equal(tests.question.questionId, 'double', 'question was compared with a loaded question');
  const term = (await statesOf(recorded.find((r) => r.name === 'terminal'))).at(-1).terminal;
  assert.equal(term.repl, true, 'terminal was compared with a REPL in it');
  assert.match(term.data, />>> /);
});

test('the comparison catches a wrong fold', async () => {
  const rec = recorded.find((r) => r.name === 'typing');
  const states = await statesOf(rec);
  const mutate = (fn) => rec.events.map((e) => fn(structuredClone(e)));
  const wrong = [
    ['a language change lost', mutate((e) => (e.type === 'language_changed' ? { ...e, language: 'rust' } : e))],
    ['a leave lost', mutate((e) => (e.type === 'participant_left' ? { ...e, type: 'focus_changed', focused: true } : e))],
    ['a stale cursor taken as current', mutate((e) => (e.type === 'cursor_moved' ? { ...e, version: e.version + 1 } : e))],
    ['a mute lost', mutate((e) => (e.type === 'call_state_changed' && e.audio === false && e.joined === true ? { ...e, audio: true } : e))],
    ['a run result changed', mutate((e) => (e.type === 'run_finished' ? { ...e, exitCode: 99 } : e))],
  ];
  for (const [what, events] of wrong) assert.throws(() => compare(events, states, what), assert.AssertionError, what);
  const interview = recorded.find((r) => r.name === 'interview');
  const istates = await statesOf(interview);
  const imutate = (fn) => interview.events.map((e) => fn(structuredClone(e)));
  const iwrong = [
    ['the lobby lost', imutate((e) => (e.type === 'session_created' ? { ...e, phase: undefined } : e))],
    ['an end lost', imutate((e) => (e.type === 'phase_changed' && e.phase === 'ended' ? { ...e, phase: 'live' } : e))],
    ['a lock lost', imutate((e) => (e.type === 'controls_changed' ? { ...e, editorLocked: false } : e))],
  ];
  for (const [what, events] of iwrong) assert.throws(() => compare(events, istates, what), assert.AssertionError, what);
  const terminal = recorded.find((r) => r.name === 'terminal');
  const tstates = await statesOf(terminal);
  const tmutate = (fn) => terminal.events.map((e) => fn(structuredClone(e)));
  const twrong = [
    ['terminal output lost', tmutate((e) => (e.type === 'terminal_output' ? { ...e, data: '' } : e))],
    ['a resize lost', tmutate((e) => (e.type === 'terminal_resized' ? { ...e, cols: 80 } : e))],
    ['the REPL taken for a program', tmutate((e) => (e.type === 'run_started' ? { ...e, repl: false } : e))],
    ['a terminal end lost', tmutate((e) => (e.type === 'run_finished' ? { ...e, runId: 'other' } : e))],
  ];
  for (const [what, events] of twrong) assert.throws(() => compare(events, tstates, what), assert.AssertionError, what);
});
