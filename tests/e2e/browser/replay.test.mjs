// Replay: the final document at the end of the timeline, an earlier one when scrubbed back,
// a seq deep link, markers, and "fork from here".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeSet, Text } from '@codemirror/state';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs, waitForDoc } from '../lib/browser.mjs';

let roomd, br, s, runtimes;
before(async () => {
  roomd = await startRoomd();
  br = await launch();
  runtimes = await (await fetch(`${roomd.url}/api/runtimes`)).json();
});
after(async () => {
  await br?.close();
  await roomd?.stop();
});

/** Independent fold of the log in the test: index of the first event after which the doc equals `want`. */
async function indexWhereDoc(want) {
  const r = await fetch(`${roomd.url}/api/sessions/${s.sessionId}/events?from=1&limit=1000`, { headers: { authorization: `Bearer ${s.interviewerKey}` } });
  assert.equal(r.status, 200);
  const { events } = await r.json();
  let doc = Text.empty;
  for (let i = 0; i < events.length; i++) {
    if (events[i].type === 'code_changed') doc = ChangeSet.fromJSON(events[i].changes).apply(doc);
    if (doc.toString() === want) return { index: i, seq: events[i].seq, events };
  }
  return { index: -1, events };
}

const replayDoc = (page) => page.evaluate(() => window.__replay.doc);

test('record a short interview', async () => {
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'replay' }) });
  s = await r.json();
  const page = await br.newPage();
  await page.goto(roomd.url + s.interviewerUrl);
  await joinAs(page, 'Rita');
  await page.click('#editor .cm-content');
  await page.keyboard.type('line one\n');
  await page.waitForFunction(() => window.__room.unconfirmed === 0);
  if (runtimes.some((r) => r.language === 'python')) {
    await page.selectOption('#language-select', 'python');
    await page.waitForFunction(() => document.querySelector('#language-select').value === 'python');
  }
  await page.keyboard.type('line two\n');
  // A large paste: one insert of more than 40 characters.
  await page.keyboard.insertText('print("a pasted line that is long enough to be flagged")\n');
  await page.waitForFunction(() => window.__room.unconfirmed === 0);
  await page.fill('#note-input', 'pasted a solution');
  await page.click('#add-note');
  await page.waitForSelector('#notes .note');
  if (runtimes.some((r) => r.language === 'python')) {
    await page.click('#run-button');
    await page.waitForSelector('#run-exit', { timeout: 20_000 });
  }
  await page.close();
});

test('replay shows the final document at the end and an earlier one when scrubbed', async () => {
  const final = 'line one\nline two\nprint("a pasted line that is long enough to be flagged")\n';
  let page = await br.newPage();
  await page.goto(`${roomd.url}${s.replayUrl}`);
  await page.waitForSelector('#replay-editor .cm-content');
  assert.equal(await replayDoc(page), final);
  const max = Number(await page.getAttribute('#timeline', 'max'));
  assert.equal(Number(await page.inputValue('#timeline')), max, 'starts at the end of the timeline');

  const { index, seq } = await indexWhereDoc('line one\n');
  assert.ok(index > 0);
  // Scrub the range input to that event.
  await page.$eval('#timeline', (el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, index);
  assert.equal(await replayDoc(page), 'line one\n');
  assert.deepEqual(await page.$$eval('#replay-editor .cm-line', (ls) =>
    ls.map((l) => {
      const c = l.cloneNode(true);
      c.querySelectorAll('.cm-remote-caret, .cm-widgetBuffer').forEach((w) => w.remove());
      return c.textContent;
    })), ['line one', '']);
  // Arrow keys step one event; back to the start shows the empty document.
  await page.click('#clock');
  await page.keyboard.press('ArrowRight');
  assert.equal(Number(await page.inputValue('#timeline')), index + 1);
  await page.keyboard.press('ArrowLeft');
  assert.equal(Number(await page.inputValue('#timeline')), index);
  await page.$eval('#timeline', (el) => {
    el.value = '0';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  assert.equal(await replayDoc(page), '');

  // Markers: a join, a large paste and a note at least.
  for (const kind of ['join', 'paste', 'note']) assert.ok(await page.$(`#markers .marker-${kind}`), `marker ${kind}`);
  if (runtimes.some((r) => r.language === 'python')) {
    await page.click('#markers .marker-run');
    await page.waitForSelector('#replay-output #run-exit');
  }
  await page.close();
  // Deep link to the earlier moment, in a fresh page.
  page = await br.newPage();
  await page.goto(`${roomd.url}/replay/${s.sessionId}#key=${encodeURIComponent(s.interviewerKey)}&seq=${seq}`);
  await page.waitForSelector('#replay-editor .cm-content');
  assert.equal(await replayDoc(page), 'line one\n');
  await page.screenshot({ path: '/tmp/replay.png' });

  // Fork from here: a new session whose document is the one at that moment.
  await page.click('#fork-button');
  await page.waitForURL(/\/room\/[0-9a-f-]+#key=/);
  assert.ok(!page.url().includes(s.sessionId));
  await joinAs(page, 'Rita');
  await waitForDoc(page, 'line one\n');
  assert.equal(await page.textContent('#my-role'), 'Interviewer');
});
