// Benchmark (tools/bench --only terminal): how a shared terminal feels. A python REPL in a room
// with two sockets: one types a character every 80 ms (a fast typist, 12 keys a second) as
// terminal_input, and the time until the OTHER socket receives the echo (a terminal_output
// containing it) is one sample. The same run measures a WebSocket ping -> pong round trip of
// that socket as this machine's baseline, so the verdict is a difference, not an absolute: the
// echo may add at most 25 ms to the ping at p50 (output after a quiet spell is sent at once,
// output within 20 ms of the last is held; the rest is the PTY, the sandboxed REPL's echo and
// the append). Also a flood: a program printing 1 MB must end with run_finished truncated (the
// output cap), and how many terminal_output frames it took.
// Prints one JSON line per measurement and a last {"case":"terminal",...} summary.
// Usage: node tools/benchmarks/bench_terminal.mjs <roomd url> [keystrokes]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const WebSocket = createRequire(path.join(here, '../../tests/e2e/package.json'))('ws');

const [url, countArg] = process.argv.slice(2);
if (!url) {
  console.error('usage: bench_terminal.mjs <roomd url> [keystrokes]');
  process.exit(2);
}
const count = Number(countArg ?? 200);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function post(p, body) {
  const r = await fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  return r.json();
}

function connect(s, name, role) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/${s.sessionId}`);
  const c = { ws, waiters: [], send: (m) => ws.send(JSON.stringify(m)) };
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    for (const w of [...c.waiters]) if (w.pred(m)) c.waiters.splice(c.waiters.indexOf(w), 1) && w.resolve(m);
  });
  c.next = (pred) => new Promise((resolve) => c.waiters.push({ pred, resolve }));
  c.ready = new Promise((res, rej) => ws.once('open', res).once('error', rej)).then(() => {
    const joined = c.next((m) => m.type === 'session_state');
    c.send({ type: 'join_session', name, role, ...(role === 'interviewer' ? { key: s.interviewerKey } : {}) });
    return joined;
  });
  return c;
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main() {
  const s = await post('/api/sessions', { language: 'python' });
  const typist = connect(s, 'typist', 'interviewer');
  const viewer = connect(s, 'viewer', 'candidate');
  await Promise.all([typist.ready, viewer.ready]);

  // Baseline: ping -> pong of the viewer's socket (the same server, loop and machine).
  const pings = [];
  for (let i = 0; i < count; ++i) {
    const t0 = performance.now();
    const pong = viewer.next((m) => m.type === 'pong');
    viewer.send({ type: 'ping', ref: i });
    await pong;
    pings.push(performance.now() - t0);
  }

  typist.send({ type: 'start_repl' });
  const started = await viewer.next((m) => m.type === 'run_started' || m.type === 'error');
  if (started.type === 'error') throw new Error(`start_repl: ${started.message}`);
  await viewer.next((m) => m.type === 'terminal_output' && m.data.includes('>>> '));
  const echoes = [];
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; i < count; ++i) {
    const ch = letters[i % letters.length];
    await sleep(80);
    const t0 = performance.now();
    const echo = viewer.next((m) => m.type === 'terminal_output' && m.data.includes(ch));
    typist.send({ type: 'terminal_input', runId: started.runId, data: ch });
    await echo; // python echoes through readline: the echo is the key and a redraw
    echoes.push(performance.now() - t0);
    if (i % 60 === 59) {
      typist.send({ type: 'terminal_input', runId: started.runId, data: '\x15' }); // Ctrl-U: clear the line
      await sleep(50);
    }
  }
  typist.send({ type: 'stop_run', runId: started.runId });
  await viewer.next((m) => m.type === 'run_finished');

  // A flood: print 1 MB; the output cap ends it.
  const code = "import sys\nsys.stdout.write('y' * 1000000)\n";
  const state = await (await fetch(`${url}/api/sessions/${s.sessionId}/state`, { headers: { authorization: `Bearer ${s.interviewerKey}` } })).json();
  typist.send({ type: 'code_update', version: state.version, updates: [{ clientID: 'bench', changes: [[state.doc.length, ...code.split('\n')]] }] });
  await sleep(200);
  let frames = 0;
  let bytes = 0;
  const counter = (m) => {
    if (m.type === 'terminal_output') {
      frames += 1;
      bytes += m.data.length;
    }
    return false;
  };
  viewer.waiters.push({ pred: counter, resolve: () => {} });
  const t0 = performance.now();
  typist.send({ type: 'run_code', interactive: true });
  const done = await viewer.next((m) => m.type === 'run_finished');
  const floodMs = performance.now() - t0;

  const ping50 = pct(pings, 50);
  const echo50 = pct(echoes, 50);
  const result = {
    case: 'terminal',
    keystrokes: count,
    pingP50Ms: +ping50.toFixed(2),
    pingP99Ms: +pct(pings, 99).toFixed(2),
    echoP50Ms: +echo50.toFixed(2),
    echoP99Ms: +pct(echoes, 99).toFixed(2),
    echoMaxMs: +Math.max(...echoes).toFixed(2),
    addedP50Ms: +(echo50 - ping50).toFixed(2),
    flood: { truncated: done.truncated, frames, bytes, ms: Math.round(floodMs) },
  };
  result.met = result.addedP50Ms <= 25 && done.truncated === true;
  console.log(JSON.stringify(result));
  for (const c of [typist, viewer]) c.ws.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
