// Live run output (`run_output`): a program's first lines reach everyone in the room while it is
// still running, and `run_finished` then carries the whole output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs } from '../lib/browser.mjs';

let roomd, br;
before(async () => {
  roomd = await startRoomd();
  br = await launch();
});
after(async () => {
  await br?.close();
  await roomd?.stop();
});

test('output streams to everyone while the program runs', async () => {
  const runtimes = await (await fetch(`${roomd.url}/api/runtimes`)).json();
  // tools/bootstrap installs python3: a missing runtime is a broken set-up, not a reason to skip.
  assert.ok(runtimes.some((r) => r.language === 'python'), `python is not among the runtimes: ${JSON.stringify(runtimes)}`);
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'python' }) });
  assert.equal(r.status, 201);
  const s = await r.json();
  const cand = await br.newPage();
  await cand.goto(roomd.url + s.joinUrl);
  await joinAs(cand, 'Cara');
  const iv = await br.newPage();
  await iv.goto(roomd.url + s.interviewerUrl);
  await joinAs(iv, 'Ivan');

  await cand.click('#editor .cm-content');
  await cand.keyboard.insertText('import time\nprint("first", flush=True)\ntime.sleep(4)\nprint("second")\n');
  await cand.waitForFunction(() => window.__room.unconfirmed === 0);
  await cand.click('#run-button');
  // On both pages at once, "first" is on screen while the run is still going (the spinner's
  // run, not the finished one); the program sleeps 4 s after printing it.
  const streamed = (p) =>
    p
      .waitForFunction(
        // "first" and its newline may arrive as two chunks (python writes them separately).
        () => document.querySelector('#output .run')?.dataset.running === 'true' && /^first\n?$/.test(document.querySelector('#run-stdout')?.textContent ?? ''),
        null,
        { timeout: 20_000, polling: 50 },  // a timer, not requestAnimationFrame (throttled for pages in the background)
      )
      .catch(async (e) => {
        throw new Error(`${e.message}; output panel: ${await p.textContent('#output')}`);
      });
  await Promise.all([streamed(cand), streamed(iv)]);
  for (const p of [cand, iv]) {
    await p.waitForFunction(() => document.querySelector('#output .run')?.dataset.running === 'false', null, { timeout: 20_000 });
    assert.equal(await p.textContent('#run-stdout'), 'first\nsecond\n');
    assert.match(await p.textContent('#run-exit'), /Exit code 0/);
  }
  // The streamed chunks came as run_output frames, before run_finished, and are not in the log.
  const frames = iv.framesReceived.map((f) => JSON.parse(f));
  const outIdx = frames.findIndex((f) => f.type === 'run_output');
  const doneIdx = frames.findIndex((f) => f.type === 'run_finished');
  assert.ok(outIdx >= 0 && outIdx < doneIdx, 'a run_output frame arrived before run_finished');
  assert.equal(frames[outIdx].stream, 'stdout');
  assert.equal(frames[outIdx].runId, frames[doneIdx].runId);
  const ev = await fetch(`${roomd.url}/api/sessions/${s.sessionId}/events?from=1&limit=1000`, { headers: { authorization: `Bearer ${s.interviewerKey}` } });
  const types = (await ev.json()).events.map((e) => e.type);
  assert.ok(types.includes('run_finished') && !types.includes('run_output'));
  await cand.close();
  await iv.close();
});
