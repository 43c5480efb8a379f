// The shared terminal: a candidate and an interviewer in one python room. "Run in terminal" runs
// the document on roomd's pseudo-terminal; both see its prompt, the OTHER one answers it in their own
// terminal, both see the answer and the exit line. The REPL: 1+2 gives 3 for both, a resize by one
// reaches the other, Stop ends it. Keys with nothing running go nowhere. A late joiner gets the
// terminal whole. What the live pages' xterms show equals the replay page's xterm at the last seq,
// and the data they received equals GET /state's terminal.data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs } from '../lib/browser.mjs';

let roomd, br, s, cand, iv;
const PROGRAM = 'name = input("name? ")\nprint("hello", name)';

before(async () => {
  roomd = await startRoomd();
  br = await launch();
  const runtimes = await (await fetch(`${roomd.url}/api/runtimes`)).json();
  // tools/bootstrap installs python3: a missing runtime is a broken set-up, not a reason to skip.
  const py = runtimes.find((r) => r.language === 'python');
  assert.ok(py, `python is not among the runtimes: ${JSON.stringify(runtimes)}`);
  assert.equal(py.repl, true, 'python has a REPL');
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'python', title: 'Terminal' }) });
  assert.equal(r.status, 201);
  s = await r.json();
  cand = await br.newPage();
  await cand.goto(roomd.url + s.joinUrl);
  await joinAs(cand, 'Cara');
  iv = await br.newPage();
  await iv.goto(roomd.url + s.interviewerUrl);
  await joinAs(iv, 'Ivan');
});
after(async () => {
  await br?.close();
  await roomd?.stop();
});

const termText = (p, hook = '__room') => p.evaluate((k) => window[k].terminal.text(), hook);
const term = (p) => p.evaluate(() => {
  const { text: _t, ...rest } = window.__room.terminal;
  return rest;
});

/** Wait until the page's xterm buffer matches `re` (xterm draws writes asynchronously). */
async function waitForText(p, re, what, timeout = 20_000) {
  const t0 = Date.now();
  let text = '';
  while (Date.now() - t0 < timeout) {
    text = await termText(p);
    if (re.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: the terminal never matched ${re}; it shows ${JSON.stringify(text)}`);
}

async function waitFor(p, fn, arg, what, timeout = 20_000) {
  await p.waitForFunction(fn, arg, { timeout, polling: 100 }).catch(async (e) => {
    throw new Error(`${what}: ${e.message}; terminal: ${JSON.stringify(await term(p))}`);
  });
}

async function getJSON(p) {
  const r = await fetch(`${roomd.url}${p}`, { headers: { authorization: `Bearer ${s.interviewerKey}` } });
  const body = await r.json();
  assert.equal(r.status, 200, `${p}: ${JSON.stringify(body)}`);
  return body;
}
const events = async () => (await getJSON(`/api/sessions/${s.sessionId}/events?from=1&limit=10000`)).events;

/** Keystrokes into a page's own terminal (xterm's hidden textarea has the focus after a click). */
async function typeInto(p, keys) {
  await p.click('#terminal');
  await p.keyboard.type(keys);
  await p.keyboard.press('Enter');
}

/** The replay page at the last seq shows the same terminal as the live pages, and /state has their data. */
async function compareWithReplay(liveText) {
  const evs = await events();
  const last = evs.at(-1).seq;
  const st = await getJSON(`/api/sessions/${s.sessionId}/state?seq=${last}`);
  assert.ok(st.terminal, '/state has a terminal');
  for (const p of [cand, iv]) assert.equal((await term(p)).data, st.terminal.data, "the data a live page received is /state's terminal.data");
  const rp = await br.newPage();
  await rp.goto(`${roomd.url}${s.replayUrl}&seq=${last}`);
  await rp.waitForSelector('#replay-terminal-view .xterm');
  await rp.waitForFunction((seq) => window.__replay && window.__replay.seq === seq, last);
  const folded = await rp.evaluate(() => window.__replay.terminal.folded);
  assert.deepEqual(folded, st.terminal, "the replay's fold at the last seq is /state's terminal");
  const shown = await termText(rp, '__replay');
  assert.equal(shown, liveText, "the replay's xterm shows what the live xterm showed");
  const size = await rp.evaluate(() => ({ cols: window.__replay.terminal.cols, rows: window.__replay.terminal.rows }));
  assert.deepEqual(size, { cols: st.terminal.cols, rows: st.terminal.rows });
  await rp.close();
  return st.terminal;
}

test('the document on the terminal: both see the prompt, the other one answers, both see the end', async () => {
  assert.match(s.replayUrl, /#key=/);
  await cand.click('#editor .cm-content');
  await cand.keyboard.insertText(PROGRAM);
  await cand.waitForFunction(() => window.__room.unconfirmed === 0);
  await cand.waitForSelector('#terminal-run:not([disabled])');
  await cand.click('#terminal-run');
  await Promise.all([cand, iv].map((p) => waitForText(p, /name\? $/m, 'the prompt')));
  for (const p of [cand, iv]) assert.equal(await p.isDisabled('#run-button'), true, 'no batch run while the terminal runs');
  await typeInto(iv, 'Ada');
  const texts = await Promise.all([cand, iv].map((p) => waitForText(p, /^hello Ada$/m, 'the answer')));
  for (const p of [cand, iv]) await waitFor(p, () => window.__room.terminal.exit !== null, null, 'the exit line');
  for (const p of [cand, iv]) {
    const t = await term(p);
    assert.equal(t.exit, '[process exited with code 0]');
    assert.equal(t.active, false);
    assert.equal(await p.textContent('#terminal-exit'), '[process exited with code 0]');
  }
  assert.equal(texts[0], texts[1], 'both xterms show the same');
  assert.match(texts[0], /^name\? Ada\nhello Ada$/m);

  // What the log says: an interactive run by Cara, Ivan's keystrokes, the output, the end.
  const evs = await events();
  const candId = await cand.evaluate(() => window.__room.participantId);
  const ivId = await iv.evaluate(() => window.__room.participantId);
  const started = evs.find((e) => e.type === 'run_started');
  assert.equal(started.interactive, true);
  assert.equal(started.participantId, candId);
  const typed = evs.filter((e) => e.type === 'terminal_input');
  assert.ok(typed.length > 0 && typed.every((e) => e.participantId === ivId && e.runId === started.runId));
  assert.equal(typed.map((e) => e.data).join(''), 'Ada\r');
  assert.ok(evs.some((e) => e.type === 'terminal_output'));
  assert.equal(evs.filter((e) => e.type === 'run_finished').at(-1).interactive, true);

  // Keys with nothing running go nowhere.
  const before = typed.length;
  await typeInto(cand, 'ignored');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await events()).filter((e) => e.type === 'terminal_input').length, before, 'no terminal_input once the run ended');

  const st = await compareWithReplay(texts[0]);
  assert.equal(st.active, false);
  assert.equal(st.repl, false);
});

test('the REPL: 1+2 gives 3 for both, a resize reaches the other, Stop ends it', async () => {
  await iv.waitForSelector('#terminal-repl:not([disabled])');
  await iv.click('#terminal-repl');
  await Promise.all([cand, iv].map((p) => waitForText(p, /^>>> $/m, 'the REPL prompt')));
  for (const p of [cand, iv]) assert.equal((await term(p)).repl, true);
  await typeInto(cand, '1+2');
  await Promise.all([cand, iv].map((p) => waitForText(p, /^>>> 1\+2\n3\n>>> $/m, 'the sum')));

  // Ivan's window shrinks: his panel's fit goes to roomd and Cara's xterm takes the same size.
  const before = await term(cand);
  await iv.setViewportSize({ width: 1100, height: 700 });
  await waitFor(iv, (c) => window.__room.terminal.cols !== c, before.cols, "Ivan's terminal resized");
  const size = await iv.evaluate(() => ({ cols: window.__room.terminal.cols, rows: window.__room.terminal.rows }));
  await waitFor(cand, (sz) => window.__room.terminal.cols === sz.cols && window.__room.terminal.rows === sz.rows, size, "Cara's terminal took Ivan's size");
  const resized = (await events()).filter((e) => e.type === 'terminal_resized');
  assert.deepEqual({ cols: resized.at(-1).cols, rows: resized.at(-1).rows }, size);

  await cand.click('#terminal-stop');
  for (const p of [cand, iv]) await waitFor(p, () => window.__room.terminal.exit !== null && !window.__room.terminal.active, null, 'the REPL stopped');
  const texts = await Promise.all([cand, iv].map((p) => termText(p)));
  assert.equal(texts[0], texts[1]);
  const st = await compareWithReplay(texts[0]);
  assert.equal(st.repl, true);
  assert.deepEqual({ cols: st.cols, rows: st.rows }, size);
});

test('a late joiner gets the terminal whole', async () => {
  const late = await br.newPage();
  await late.goto(roomd.url + s.interviewerUrl);
  await joinAs(late, 'Lee');
  const want = await termText(iv);
  await waitFor(late, () => window.__room.terminal.runId !== null, null, 'the terminal restored');
  assert.equal(await waitForText(late, /3\n>>> /, 'the restored REPL'), want);
  assert.equal((await term(late)).data, (await term(iv)).data);
  assert.equal((await term(late)).exit, (await term(iv)).exit);
  await late.close();
});
