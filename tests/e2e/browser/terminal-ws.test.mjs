// Black-box terminal test (no browser): a real roomd with the local runner, two scripted
// WebSocket clients. An interviewer starts an interactive python run; the candidate answers its
// input() from the other socket; a resize reaches the program; Ctrl-C reaches a REPL; stop ends
// it. Then the log must replay what the viewers saw: at every terminal_output's seq,
// GET /state?seq= has exactly the output the live clients had received by then. Also the
// refusals (input to an ended run, a candidate typing while runs are disabled) and the escape
// sequences that must never reach a browser (OSC 52 clipboard, window title).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { startRoomd } from '../lib/roomd.mjs';

let roomd, s, hasPython;
const sockets = [];

before(async () => {
  roomd = await startRoomd();
  const runtimes = await (await fetch(`${roomd.url}/api/runtimes`)).json();
  hasPython = runtimes.some((r) => r.language === 'python' && r.repl === true);
  s = await (await fetch(`${roomd.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ language: 'python' }) })).json();
});
after(async () => {
  for (const ws of sockets) ws.terminate();
  await roomd?.stop();
});

/** A joined socket that keeps every frame it receives (raw text too, for the escape test). */
async function join(name, role) {
  const ws = new WebSocket(`${roomd.url.replace('http', 'ws')}/ws/${s.sessionId}`);
  sockets.push(ws);
  const c = { ws, frames: [], raw: [], send: (m) => ws.send(JSON.stringify(m)) };
  ws.on('message', (d) => {
    c.raw.push(String(d));
    c.frames.push(JSON.parse(String(d)));
  });
  await new Promise((res, rej) => ws.once('open', res).once('error', rej));
  c.send({ type: 'join_session', name, role, ...(role === 'interviewer' ? { key: s.interviewerKey } : {}) });
  c.state = await waitFor(c, (m) => m.type === 'session_state');
  return c;
}

async function waitFor(c, pred, ms = 20000, from = 0) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const m = c.frames.slice(from).find(pred);
    if (m) return m;
    await sleep(20);
  }
  throw new Error(`timed out waiting; last frames: ${JSON.stringify(c.frames.slice(-5))}`);
}

const outputOf = (c, runId) => c.frames.filter((m) => m.type === 'terminal_output' && m.runId === runId).map((m) => m.data).join('');
const api = async (path) => {
  const r = await fetch(`${roomd.url}/api/sessions/${s.sessionId}${path}`, { headers: { Authorization: `Bearer ${s.interviewerKey}` } });
  assert.equal(r.status, 200, path);
  return r.json();
};

/** Replaces the whole document (a ChangeSet in @codemirror/state's JSON: [replaced, ...lines]). */
async function setDoc(c, text) {
  const { version, doc } = await api('/state');
  c.send({ type: 'code_update', version, updates: [{ clientID: 'script', changes: [[doc.length, ...text.split('\n')]] }] });
  const t0 = Date.now();
  while ((await api('/state')).doc !== text) {
    assert.ok(Date.now() - t0 < 5000, 'the document was not replaced');
    await sleep(50);
  }
}

test('a candidate answers input() of an interviewer’s run; the replay shows what everyone saw', async (t) => {
  if (!hasPython) return t.skip('python is not installed here (tools/bootstrap installs it)');
  const ann = await join('Ann', 'interviewer');
  const cal = await join('Cal', 'candidate');
  await setDoc(ann, 'import os\nname = input("name? ")\nprint("hello", name, tuple(os.get_terminal_size()))\n');
  ann.send({ type: 'run_code', interactive: true, cols: 100, rows: 30, ref: 1 });
  const started = await waitFor(cal, (m) => m.type === 'run_started');
  assert.equal(started.interactive, true);
  assert.equal(started.repl, false);
  assert.equal(started.participantId, ann.state.participantId);
  assert.deepEqual([started.cols, started.rows], [100, 30]);
  await waitFor(cal, (m) => m.type === 'terminal_output' && outputOf(cal, started.runId).includes('name? '));

  cal.send({ type: 'terminal_resize', runId: started.runId, cols: 90, rows: 20 });
  const resized = await waitFor(ann, (m) => m.type === 'terminal_resized');
  assert.deepEqual([resized.cols, resized.rows, resized.participantId], [90, 20, cal.state.participantId]);
  cal.send({ type: 'terminal_input', runId: started.runId, data: 'Ada\r' });
  const finished = await waitFor(ann, (m) => m.type === 'run_finished' && m.runId === started.runId);
  assert.equal(finished.exitCode, 0);
  assert.equal(finished.interactive, true);
  await waitFor(cal, (m) => m.type === 'run_finished');

  const live = outputOf(ann, started.runId);
  assert.match(live, /name\? Ada\r\nhello Ada \(90, 20\)\r\n/);
  assert.equal(outputOf(cal, started.runId), live, 'every viewer saw the same terminal');

  // The log: input is the candidate's, output is the room's, and the state at each output's seq
  // is the live transcript up to that frame.
  const { events } = await api('/events?limit=10000');
  const input = events.find((e) => e.type === 'terminal_input');
  assert.ok(input, JSON.stringify(events.map((e) => e.type)));
  assert.equal(input.participantId, cal.state.participantId);
  assert.equal(input.data, 'Ada\r');
  const outputs = events.filter((e) => e.type === 'terminal_output');
  assert.ok(outputs.length >= 1);
  const liveFrames = ann.frames.filter((m) => m.type === 'terminal_output').map((m) => m.data);
  assert.deepEqual(outputs.map((e) => e.data), liveFrames, 'one frame per logged chunk, in order');
  let seen = '';
  for (const e of outputs) {
    seen += e.data;
    const st = await api(`/state?seq=${e.seq}`);
    assert.equal(st.terminal.data, seen, `terminal at seq ${e.seq}`);
    assert.equal(st.terminal.active, true);
  }
  const last = await api('/state');
  assert.equal(last.terminal.data, live);
  assert.equal(last.terminal.active, false);
  assert.deepEqual([last.terminal.cols, last.terminal.rows], [90, 20]);

  // Input to an ended run is refused, with the request's ref, and logs nothing.
  cal.send({ type: 'terminal_input', runId: started.runId, data: 'late', ref: 'late-1' });
  const err = await waitFor(cal, (m) => m.type === 'error' && m.ref === 'late-1');
  assert.equal(err.code, 'invalid_changes');
  assert.equal((await api('/events?limit=10000')).events.length, events.length);

  // A late joiner gets the terminal as it stands.
  const lee = await join('Lee', 'candidate');
  assert.equal(lee.state.terminal.data, live);
  assert.equal(lee.state.terminal.runId, started.runId);
});

test('a REPL: Ctrl-C interrupts, stop ends it; a candidate may not type while runs are disabled', async (t) => {
  if (!hasPython) return t.skip('python is not installed here');
  const ann = await join('Ann2', 'interviewer');
  const cal = await join('Cal2', 'candidate');
  const from = ann.frames.length;
  cal.send({ type: 'start_repl' });
  const started = await waitFor(ann, (m) => m.type === 'run_started' && m.repl === true, 20000, from);
  await waitFor(ann, () => outputOf(ann, started.runId).includes('>>> '));
  cal.send({ type: 'terminal_input', runId: started.runId, data: 'import time; time.sleep(60)\r' });
  await sleep(500);
  cal.send({ type: 'terminal_input', runId: started.runId, data: '\x03' });
  await waitFor(ann, () => outputOf(ann, started.runId).includes('KeyboardInterrupt'));

  ann.send({ type: 'set_controls', runDisabled: true });
  await waitFor(cal, (m) => m.type === 'controls_changed' && m.runDisabled === true);
  cal.send({ type: 'terminal_input', runId: started.runId, data: '1+1\r', ref: 'no' });
  assert.equal((await waitFor(cal, (m) => m.type === 'error' && m.ref === 'no')).code, 'forbidden');
  cal.send({ type: 'stop_run', runId: started.runId, ref: 'nostop' });
  assert.equal((await waitFor(cal, (m) => m.type === 'error' && m.ref === 'nostop')).code, 'forbidden');
  ann.send({ type: 'terminal_input', runId: started.runId, data: '6*7\r' });
  await waitFor(cal, () => outputOf(cal, started.runId).includes('42'));
  assert.ok(!outputOf(cal, started.runId).includes('1+1'), 'the refused input never reached the program');

  ann.send({ type: 'stop_run', runId: started.runId });
  const finished = await waitFor(cal, (m) => m.type === 'run_finished' && m.runId === started.runId);
  assert.equal(finished.signal, 'SIGKILL');
  ann.send({ type: 'set_controls', runDisabled: false });
  await waitFor(cal, (m) => m.type === 'controls_changed' && m.runDisabled === false);
});

test('clipboard and title escape sequences never reach a browser', async (t) => {
  if (!hasPython) return t.skip('python is not installed here');
  const ann = await join('Ann3', 'interviewer');
  const cal = await join('Cal3', 'candidate');
  await setDoc(ann, 'import sys\nsys.stdout.write("\\x1b]52;c;Y3VybCBldmlsIHwgc2g=\\x07safe\\x1b]0;owned\\x07\\x1b]2;owned\\x1b\\\\done\\n")\n');
  const from = cal.frames.length;
  cal.send({ type: 'run_code', interactive: true });
  const started = await waitFor(cal, (m) => m.type === 'run_started', 20000, from);
  await waitFor(cal, (m) => m.type === 'run_finished' && m.runId === started.runId);
  const out = outputOf(cal, started.runId);
  assert.match(out, /safe/);
  assert.match(out, /done/);
  // The document holds the sequences as source text; what the terminal frames carry must not.
  for (const c of [ann, cal]) {
    const frames = c.raw.filter((r) => JSON.parse(r).type === 'terminal_output').join('');
    assert.ok(frames.includes('safe'));
    assert.ok(!frames.includes(']52;'), 'no OSC 52 in any terminal frame');
    assert.ok(!frames.includes('owned'), 'no title sequence in any terminal frame');
  }
  const logged = (await api('/events?limit=10000')).events.filter((e) => e.type === 'terminal_output');
  assert.ok(!JSON.stringify(logged).includes(']52;'), 'nor in the log');
});
