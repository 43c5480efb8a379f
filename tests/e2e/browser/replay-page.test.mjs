// Replay page, the finished feature set: scrubbing to three points shows the server's state at those
// seqs, play at 32x reaches the end, a run marker shows its output, the A/B diff view, the
// per-participant filter, the idle-gap / large-paste settings, and no replay without the key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs, waitForDoc } from '../lib/browser.mjs';

let roomd, br, s, runtimes, hasPython, events, pids;
const PASTE = 'print("a pasted line that is long enough to be flagged")\n';

before(async () => {
  roomd = await startRoomd();
  br = await launch();
  runtimes = await (await fetch(`${roomd.url}/api/runtimes`)).json();
  hasPython = runtimes.some((r) => r.language === 'python');
});
after(async () => {
  await br?.close();
  await roomd?.stop();
});

const auth = () => ({ authorization: `Bearer ${s.interviewerKey}` });
async function stateAt(seq) {
  const r = await fetch(`${roomd.url}/api/sessions/${s.sessionId}/state?seq=${seq}`, { headers: auth() });
  assert.equal(r.status, 200);
  return r.json();
}
async function loadEvents() {
  const r = await fetch(`${roomd.url}/api/sessions/${s.sessionId}/events?from=1&limit=10000`, { headers: auth() });
  assert.equal(r.status, 200);
  return (await r.json()).events;
}
const actor = (e) => e.participantId ?? e.participant?.participantId;

/** Move the replay's timeline like a user dragging the range input. */
async function scrub(page, index) {
  await page.$eval('#timeline', (el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, index);
}
/** The editor's visible lines (remote caret widgets removed). */
const editorLines = (page, sel = '#replay-editor') =>
  page.$$eval(`${sel} .cm-line`, (ls) =>
    ls.map((l) => {
      const c = l.cloneNode(true);
      c.querySelectorAll('.cm-remote-caret, .cm-widgetBuffer').forEach((w) => w.remove());
      return c.textContent;
    }),
  );
/** Record every position the replay shows from now on (each show() rewrites #seq-label). */
async function recordPositions(page) {
  await page.evaluate(() => {
    window.__seen = [];
    new MutationObserver(() => window.__seen.push(window.__replay.pos)).observe(document.querySelector('#seq-label'), { childList: true, characterData: true, subtree: true });
  });
  return () => page.evaluate(() => window.__seen);
}
async function openReplay(hash = '') {
  const page = await br.newPage();
  await page.goto(`${roomd.url}${s.replayUrl}${hash}`);
  await page.waitForSelector('#replay-editor .cm-content');
  return page;
}

test('record an interview with two participants', async () => {
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'replay page' }) });
  assert.equal(r.status, 201);
  s = await r.json();
  const rita = await br.newPage();
  await rita.goto(roomd.url + s.interviewerUrl);
  await joinAs(rita, 'Rita');
  const carl = await br.newPage();
  await carl.goto(roomd.url + s.joinUrl);
  await joinAs(carl, 'Carl');

  await rita.click('#editor .cm-content');
  await rita.keyboard.type('print("hello replay")\n');
  await rita.waitForFunction(() => window.__room.unconfirmed === 0);
  await waitForDoc(carl, 'print("hello replay")\n');
  await carl.click('#editor .cm-content');
  await carl.keyboard.press('Control+End');
  await carl.keyboard.type('x = 1\n');
  await carl.waitForFunction(() => window.__room.unconfirmed === 0);
  await rita.fill('#note-input', 'Carl starts with a global');
  await rita.click('#add-note');
  await rita.waitForSelector('#notes .note-text:has-text("Carl starts with a global")');
  await rita.click('#editor .cm-content');  // back to the editor: the paste below types there
  if (hasPython) {
    await rita.selectOption('#language-select', 'python');
    await rita.waitForFunction(() => document.querySelector('#language-select').value === 'python');
  }
  // An idle gap (compressed when played with a 1 s threshold, not with the default 5 s).
  await sleep(2500);
  await rita.keyboard.press('Control+End');
  await rita.keyboard.insertText(PASTE);
  await rita.waitForFunction(() => window.__room.unconfirmed === 0);
  await waitForDoc(carl, `print("hello replay")\nx = 1\n${PASTE}`);
  if (hasPython) {
    await rita.click('#run-button');
    await rita.waitForSelector('#run-exit', { timeout: 20_000 });
  }
  await carl.keyboard.press('Control+End');
  await carl.keyboard.type('y = 2\n');
  await carl.waitForFunction(() => window.__room.unconfirmed === 0);
  await waitForDoc(rita, `print("hello replay")\nx = 1\n${PASTE}y = 2\n`);
  await rita.close();
  await sleep(100);
  await carl.close();

  // Both leaves are logged (a clean close is an immediate participant_left) before the log is read.
  const t0 = Date.now();
  while ((events = await loadEvents()).filter((e) => e.type === 'participant_left').length < 2) {
    assert.ok(Date.now() - t0 < 10_000, 'both participant_left events are logged');
    await sleep(50);
  }
  pids = {};
  for (const e of events) if (e.type === 'participant_joined') pids[e.participant.name] = e.participant.participantId;
  assert.ok(pids.Rita && pids.Carl);
});

test('scrubbed to three points, the replay shows the server state at those seqs', async () => {
  const page = await openReplay();
  const edits = events.map((e, i) => ({ e, i })).filter(({ e }) => e.type === 'code_changed');
  assert.ok(edits.length >= 10);
  const picks = [edits[5], edits[Math.floor(edits.length / 2)], edits[edits.length - 2]];
  for (const { e, i } of picks) {
    await scrub(page, i);
    const st = await stateAt(e.seq);
    assert.equal(await page.evaluate(() => window.__replay.doc), st.doc, `doc at seq ${e.seq}`);
    assert.equal(await page.evaluate(() => window.__replay.seq), e.seq);
    assert.deepEqual(await editorLines(page), st.doc.split('\n'), `rendered lines at seq ${e.seq}`);
    assert.match(await page.textContent('#seq-label'), new RegExp(`event ${e.seq} of .* v${st.version}$`));
  }
  await page.close();
});

test('play at 32x reaches the end', async () => {
  const page = await openReplay();
  const final = (await stateAt(events.at(-1).seq)).doc;
  await page.selectOption('#speed', '32');
  await scrub(page, 0);
  assert.equal(await page.evaluate(() => window.__replay.doc), '');
  const seen = await recordPositions(page);
  const t0 = Date.now();
  await page.click('#play-button');
  await page.waitForFunction((n) => window.__replay.pos === n - 1 && !window.__replay.playing, events.length, { timeout: 20_000 });
  assert.ok(Date.now() - t0 < 15_000);
  // It went through every event in order (nothing skipped without a filter).
  assert.deepEqual(await seen(), events.map((_, i) => i).slice(1));
  assert.equal(await page.evaluate(() => window.__replay.doc), final);
  assert.equal(await page.textContent('#play-button'), '▶ Play');
  await page.close();
});

test('a run marker shows the output of that run', async (t) => {
  if (!hasPython) return t.skip('no python runtime in /api/runtimes');
  const page = await openReplay();
  await scrub(page, 0);
  assert.match(await page.textContent('#replay-output'), /No code has been run/);
  await page.click('#markers .marker-run');
  await page.waitForSelector('#replay-output #run-exit');
  assert.equal((await page.textContent('#run-exit')).trim(), 'Exit code 0');
  assert.match(await page.textContent('#replay-output'), /hello replay\s+a pasted line that is long enough to be flagged/);
  const runIdx = events.findIndex((e) => e.type === 'run_finished');
  assert.equal(await page.evaluate(() => window.__replay.pos), runIdx);
  await page.close();
});

test('the diff view between two moments shows the inserted text as an insertion', async () => {
  const page = await openReplay();
  const pasteIdx = events.findIndex((e) => e.type === 'code_changed' && JSON.stringify(e.changes).includes('a pasted line'));
  assert.ok(pasteIdx > 0);
  // A: just before the paste; B: the end.
  await scrub(page, pasteIdx - 1);
  await page.click('#set-a');
  assert.equal(await page.isDisabled('#compare-button'), true, 'compare needs A and B');
  await scrub(page, events.length - 1);
  await page.click('#set-b');
  assert.ok(await page.$('#markers #flag-a'));
  assert.ok(await page.$('#markers #flag-b'));
  await page.click('#compare-button');
  await page.waitForSelector('#diff-view .cm-merge-b .cm-changedText');
  assert.equal(await page.isVisible('#replay-editor'), false, 'the diff replaces the editor');
  const inserted = (await page.$$eval('#diff-view .cm-merge-b .cm-changedText', (els) => els.map((e) => e.textContent))).join('');
  assert.ok(inserted.includes('print("a pasted line that is long enough to be flagged")'), `inserted: ${inserted}`);
  assert.ok(inserted.includes('y = 2'));
  const deleted = (await page.$$eval('#diff-view .cm-merge-a .cm-changedText', (els) => els.map((e) => e.textContent))).join('');
  assert.equal(deleted, '', 'nothing was deleted between A and B');
  const d = await page.evaluate(() => window.__replay.diff);
  assert.deepEqual({ a: d.a, b: d.b, added: d.added, removed: d.removed }, { a: events[pasteIdx - 1].seq, b: events.at(-1).seq, added: 2, removed: 0 });
  assert.equal(await page.textContent('#diff-added'), '+2');
  // Both sides show the documents of A and B.
  const aDoc = (await stateAt(events[pasteIdx - 1].seq)).doc;
  assert.deepEqual(await editorLines(page, '#diff-view .cm-merge-a'), aDoc.split('\n'));
  await page.screenshot({ path: '/tmp/replay-diff.png' });

  // Unified layout: the inserted lines are marked as inserted lines.
  await page.selectOption('#diff-mode', 'unified');
  await page.waitForSelector('#diff-view .cm-insertedLine');
  const ins = (await page.$$eval('#diff-view .cm-insertedLine', (els) => els.map((e) => e.textContent))).join('');
  assert.ok(ins.includes('a pasted line that is long enough'));
  assert.equal(await page.$('#diff-view .cm-deletedChunk .cm-deletedLine'), null, 'no deleted lines');

  // Back to the normal view.
  await page.click('#diff-close');
  await page.waitForSelector('#diff-panel', { state: 'hidden' });
  assert.equal(await page.isVisible('#replay-editor'), true);
  assert.equal(await page.evaluate(() => window.__replay.diff), null);
  assert.equal(await page.evaluate(() => window.__replay.doc), (await stateAt(events.at(-1).seq)).doc);
  // Shift-click on markers sets A then B; Escape closes the comparison.
  await page.click('#markers .marker-join >> nth=1', { modifiers: ['Shift'] });
  await page.click('#markers .marker-paste', { modifiers: ['Shift'] });
  const marks = await page.evaluate(() => window.__replay.marks);
  const joinCarl = events.findIndex((e) => e.type === 'participant_joined' && e.participant.name === 'Carl');
  assert.deepEqual(marks, { a: events[joinCarl].seq, b: events[pasteIdx].seq });
  await page.click('#compare-button');
  await page.waitForSelector('#diff-view .cm-changedText');
  await page.click('#clock');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#diff-panel', { state: 'hidden' });
  await page.close();
});

test('the participant filter hides the other participant and play/step skip to the shown one', async () => {
  const page = await openReplay();
  const carlRows = () => page.$$eval(`#marker-list li[data-pid="${pids.Carl}"]`, (ls) => ls.map((l) => !l.hidden));
  assert.ok((await carlRows()).length > 0 && (await carlRows()).every(Boolean), 'Carl is listed before filtering');
  await page.uncheck(`#participant-filter input[data-pid="${pids.Carl}"]`);
  assert.ok((await carlRows()).every((v) => !v), "Carl's moments are hidden");
  const visibleMarkers = await page.$$eval('#markers .marker', (ms) => ms.filter((m) => !m.hidden).map((m) => Number(m.dataset.index)));
  for (const i of visibleMarkers) assert.notEqual(actor(events[i]), pids.Carl, `marker at ${i} is Carl's`);
  assert.ok(visibleMarkers.length > 0);
  assert.match(await page.textContent('#filter-note'), /Showing Rita only/);

  // The full event list: every one of Carl's events hidden, Rita's shown.
  await page.selectOption('#list-mode', 'events');
  const rows = await page.$$eval('#marker-list li', (ls) => ls.map((l) => ({ index: Number(l.dataset.index), pid: l.dataset.pid, shown: !l.hidden })));
  assert.equal(rows.length, events.length);
  for (const r of rows) assert.equal(r.shown, r.pid !== pids.Carl, `row ${r.index}`);
  assert.ok(rows.some((r) => r.pid === pids.Rita && r.shown));

  // Stepping visits exactly the events that are not Carl's; the document is still the true state.
  const expected = events.map((e, i) => i).filter((i) => actor(events[i]) !== pids.Carl);
  await scrub(page, 0);
  const visited = [0];
  for (let k = 0; k < events.length; k++) {
    await page.click('#step-forward');
    const p = await page.evaluate(() => window.__replay.pos);
    if (p === visited.at(-1)) break;
    visited.push(p);
  }
  assert.deepEqual(visited, expected);
  // Right after Rita's paste the document includes Carl's earlier "x = 1" (the true state).
  const pasteIdx = events.findIndex((e) => e.type === 'code_changed' && JSON.stringify(e.changes).includes('a pasted line'));
  await scrub(page, pasteIdx);
  assert.equal(await page.evaluate(() => window.__replay.doc), (await stateAt(events[pasteIdx].seq)).doc);
  assert.ok((await page.evaluate(() => window.__replay.doc)).includes('x = 1'));
  await page.click('#step-back');
  const back = await page.evaluate(() => window.__replay.pos);
  assert.equal(back, expected[expected.indexOf(pasteIdx) - 1]);

  // Play stops at the last event that is shown (Carl typed last).
  const lastShown = expected.at(-1);
  assert.ok(lastShown < events.length - 1);
  await page.selectOption('#speed', '32');
  await scrub(page, 0);
  // Every position shown while playing is one of the visible events, in order.
  const seen = await recordPositions(page);
  await page.click('#play-button');
  await page.waitForFunction(() => !window.__replay.playing, null, { timeout: 20_000 });
  assert.equal(await page.evaluate(() => window.__replay.pos), lastShown);
  assert.deepEqual(await seen(), expected.slice(1));

  // Dragging the slider onto one of Carl's events lands on the nearest event that is shown.
  const carlEdit = events.findIndex((e) => e.type === 'code_changed' && actor(e) === pids.Carl);
  await scrub(page, carlEdit);
  const landed = await page.evaluate(() => window.__replay.pos);
  assert.notEqual(actor(events[landed]), pids.Carl);
  const nearest = expected.reduce((best, k) => (Math.abs(k - carlEdit) < Math.abs(best - carlEdit) ? k : best), expected[0]);
  assert.equal(Math.abs(landed - carlEdit), Math.abs(nearest - carlEdit));

  // Showing Carl again shows his rows.
  await page.check(`#participant-filter input[data-pid="${pids.Carl}"]`);
  assert.ok((await carlRows()).every(Boolean));
  await page.close();
});

test("the notes panel follows the participant filter", async () => {
  const page = await openReplay();
  await scrub(page, events.length - 1);
  await page.waitForSelector('#replay-notes .note-text:has-text("Carl starts with a global")');
  await page.uncheck(`#participant-filter input[data-pid="${pids.Rita}"]`);
  assert.equal(await page.$$eval('#replay-notes .note', (n) => n.length), 0, "Rita's note is hidden with her events");
  assert.match(await page.textContent('#notes-hidden'), /1 note hidden by the participant filter/);
  await page.check(`#participant-filter input[data-pid="${pids.Rita}"]`);
  assert.equal(await page.$$eval('#replay-notes .note', (n) => n.length), 1);
  await page.close();
});

test('idle-gap and large-paste thresholds are configurable (defaults 5 s and 40 characters)', async () => {
  const page = await openReplay();
  assert.equal(await page.inputValue('#idle-gap'), '5');
  assert.equal(await page.inputValue('#paste-threshold'), '40');
  const at5 = await page.evaluate(() => window.__replay.playTimeMs());
  await page.fill('#idle-gap', '1');
  await page.$eval('#idle-gap', (el) => el.dispatchEvent(new Event('change', { bubbles: true })));
  const at1 = await page.evaluate(() => window.__replay.playTimeMs());
  assert.ok(at1 <= at5 - 1400, `a 2.5 s idle gap is played as 1 s with a 1 s threshold (${at5} -> ${at1})`);
  assert.equal((await page.evaluate(() => window.__replay.settings)).idleGapMs, 1000);

  assert.equal(await page.$$eval('#markers .marker-paste', (m) => m.length), 1);
  await page.fill('#paste-threshold', '1000');
  await page.$eval('#paste-threshold', (el) => el.dispatchEvent(new Event('change', { bubbles: true })));
  assert.equal(await page.$$eval('#markers .marker-paste', (m) => m.length), 0);
  await page.fill('#paste-threshold', '3');
  await page.$eval('#paste-threshold', (el) => el.dispatchEvent(new Event('change', { bubbles: true })));
  assert.equal(await page.$$eval('#markers .marker-paste', (m) => m.length), 1, 'typed characters are single insertions');
  // Settings are remembered across page loads (same browser profile).
  await page.reload();
  await page.waitForSelector('#replay-editor .cm-content');
  assert.equal(await page.inputValue('#idle-gap'), '1');
  assert.equal(await page.inputValue('#paste-threshold'), '3');
  await page.close();
});

test("a candidate's link cannot open the replay", async () => {
  const page = await br.newPage();
  // The candidate knows the session id only (joinUrl is /room/<id>, no key).
  assert.ok(!s.joinUrl.includes('key'));
  await page.goto(`${roomd.url}/replay/${s.sessionId}`);
  await page.waitForSelector('#replay-need-key');
  assert.match(await page.textContent('#replay-need-key'), /Replay needs the interviewer key/);
  assert.match(await page.textContent('#replay-need-key'), /Only interviewers can replay/);
  assert.equal(await page.$('#replay-editor'), null);
  // A wrong key: a clear message too.
  await page.goto(`${roomd.url}/replay/${s.sessionId}#key=${'0'.repeat(48)}`);
  await page.reload();
  await page.waitForSelector('text=Key rejected');
  assert.equal(await page.$('#replay-editor'), null);
  await page.close();

  const noKey = await fetch(`${roomd.url}/api/sessions/${s.sessionId}/events`);
  assert.equal(noKey.status, 401);
  assert.equal((await noKey.json()).error !== undefined, true);
  const noKeyState = await fetch(`${roomd.url}/api/sessions/${s.sessionId}/state?seq=1`);
  assert.equal(noKeyState.status, 401);
  const wrong = await fetch(`${roomd.url}/api/sessions/${s.sessionId}/events`, { headers: { authorization: `Bearer ${'0'.repeat(48)}` } });
  assert.equal(wrong.status, 403);
  const fork = await fetch(`${roomd.url}/api/sessions/${s.sessionId}/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"seq":1}' });
  assert.equal(fork.status, 401);
});
