// Benchmark (tools/bench --only tests): a 10-test run of a python solution, wall time from sending
// run_tests to receiving tests_finished, against 10 separate run_code round trips (run_code ->
// run_finished, one after the other, each with one test's stdin) in the same room. Target: the
// test run takes at most 0.6x of the 10 round trips (its tests share one queue slot and start in
// parallel). Prints one JSON line per measurement and a last {"case":"tests",...} summary.
// Usage: node tools/benchmarks/bench_tests.mjs <roomd url> <admin token> [repetitions]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// The ws client the e2e tests use (tests/e2e/node_modules).
const WebSocket = createRequire(path.join(here, '../../tests/e2e/package.json'))('ws');

const [url, admin, repsArg] = process.argv.slice(2);
if (!url || !admin) {
  console.error('usage: bench_tests.mjs <roomd url> <admin token> [repetitions]');
  process.exit(2);
}
const reps = Number(repsArg ?? 5);

const solution = 'import sys\nn = int(sys.stdin.readline())\nprint(sum(range(n + 1)))\n';
const tests = Array.from({ length: 10 }, (_, i) => {
  const n = 1000 * (i + 1);
  return { name: `sum-${n}`, stdin: `${n}\n`, expected: `${(n * (n + 1)) / 2}\n`, hidden: i >= 5 };
});

async function post(p, body, key) {
  const r = await fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${p}: ${r.status} ${text}`);
  return JSON.parse(text);
}

function connect(sessionId, key) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/${sessionId}`);
  const waiters = [];
  const state = { ws, version: 0, doc: '' };
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.type === 'session_state') Object.assign(state, { version: m.version, doc: m.doc });
    if (m.type === 'code_changed') state.version = m.from + m.updates.length;
    for (const w of [...waiters]) if (w.pred(m)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(m);
  });
  state.next = (pred) => new Promise((resolve) => waiters.push({ pred, resolve }));
  state.send = (m) => ws.send(JSON.stringify(m));
  state.ready = new Promise((res, rej) => {
    ws.once('open', () => {
      state.send({ type: 'join_session', name: 'bench', role: 'interviewer', key });
      res();
    });
    ws.once('error', rej);
  }).then(() => state.next((m) => m.type === 'session_state'));
  return state;
}

async function main() {
  await post('/api/questions', { questionId: 'bench-sum', title: 'Sum to n', statement: 'Print 0 + 1 + ... + n.', languages: { python: { starter: '# read n, print 0 + 1 + ... + n\n' } }, tests, tags: ['bench'], difficulty: 'easy' }, admin).catch((e) => {
    if (!String(e).includes('already')) throw e;
  });
  const s = await post('/api/sessions', { questionId: 'bench-sum', language: 'python' }, admin);
  const c = connect(s.sessionId, s.interviewerKey);
  await c.ready;
  c.send({ type: 'code_update', version: c.version, updates: [{ clientID: 'bench', changes: [[c.doc.length, ...solution.split('\n')]] }] });
  await c.next((m) => m.type === 'code_changed');

  const testRun = async () => {
    const t0 = performance.now();
    c.send({ type: 'run_tests' });
    const done = await c.next((m) => m.type === 'tests_finished' || m.type === 'error');
    if (done.type === 'error' || done.passed !== done.total) throw new Error(`test run failed: ${JSON.stringify(done).slice(0, 400)}`);
    return performance.now() - t0;
  };
  const separateRuns = async () => {
    const t0 = performance.now();
    for (const t of tests) {
      c.send({ type: 'run_code', stdin: t.stdin });
      const done = await c.next((m) => m.type === 'run_finished' || m.type === 'error');
      if (done.type === 'error' || done.stdout !== t.expected) throw new Error(`run failed: ${JSON.stringify(done).slice(0, 400)}`);
    }
    return performance.now() - t0;
  };
  await testRun(); // warm-up (page cache, the sandbox's first start)
  await separateRuns();
  const a = [];
  const b = [];
  for (let i = 0; i < reps; i++) {
    a.push(await testRun());
    b.push(await separateRuns());
    console.log(JSON.stringify({ rep: i + 1, runTestsMs: Math.round(a.at(-1)), tenRunCodeMs: Math.round(b.at(-1)) }));
  }
  const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
  const ratio = median(a) / median(b);
  console.log(JSON.stringify({ case: 'tests', reps, runTestsMedianMs: Math.round(median(a)), tenRunCodeMedianMs: Math.round(median(b)), ratio: Number(ratio.toFixed(3)), target: 0.6, met: ratio <= 0.6 }));
  c.ws.close();
}

main().catch((e) => {
  console.error(String(e));
  process.exit(1);
});
