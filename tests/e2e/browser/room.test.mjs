// Two browsers in one room: create via home page, join via candidate link, concurrent typing,
// remote cursor, language + highlighting, run output, private notes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs, docOf, waitForDoc, createViaHome } from '../lib/browser.mjs';

let roomd, br, interviewer, candidate, links, runtimes;

before(async () => {
  roomd = await startRoomd();
  br = await launch();
  runtimes = await (await fetch(`${roomd.url}/api/runtimes`)).json();
});
after(async () => {
  await br?.close();
  await roomd?.stop();
});

test('interviewer creates a session on the home page and enters the room', async () => {
  interviewer = await br.newPage();
  links = await createViaHome(interviewer, roomd.url, { title: 'Two-sum screen', language: 'plaintext' });
  assert.match(links.candidate, /\/room\/[0-9a-f-]+$/);
  assert.match(links.interviewer, /\/room\/[0-9a-f-]+#key=.+/);
  assert.ok(!links.candidate.includes('key='), 'candidate link must not carry the key');
  await joinAs(interviewer, 'Iris Interviewer');
  assert.equal(await interviewer.textContent('#my-role'), 'Interviewer');
  assert.equal(await interviewer.isVisible('#note-input'), true);
});

test('candidate joins via the candidate link and both see each other', async () => {
  candidate = await br.newPage();
  await candidate.goto(links.candidate);
  await joinAs(candidate, 'Cara Candidate');
  assert.equal(await candidate.textContent('#my-role'), 'Candidate');
  assert.equal(await candidate.$('#note-input'), null, 'candidate has no notes panel');
  await interviewer.waitForFunction(() => document.querySelector('#participant-count')?.textContent === '2');
  await candidate.waitForFunction(() => document.querySelector('#participant-count')?.textContent === '2');
  const names = await candidate.$$eval('#participants .person-name', (els) => els.map((e) => e.textContent));
  assert.ok(names.some((n) => n.includes('Iris Interviewer')));
});

test('concurrent typing converges to the same document', async () => {
  await interviewer.click('#editor .cm-content');
  await interviewer.keyboard.type('# interviewer line\n');
  await waitForDoc(candidate, '# interviewer line\n');
  // Candidate at end, interviewer at start: type at the same time.
  await candidate.click('#editor .cm-content');
  await candidate.keyboard.press('Control+End');
  await interviewer.keyboard.press('Control+Home');
  await Promise.all([
    interviewer.keyboard.type('# top AAAA\n', { delay: 15 }),
    candidate.keyboard.type('x = 1\ny = 2\n', { delay: 15 }),
  ]);
  await interviewer.waitForFunction(() => window.__room.unconfirmed === 0);
  await candidate.waitForFunction(() => window.__room.unconfirmed === 0);
  const want = '# top AAAA\n# interviewer line\nx = 1\ny = 2\n';
  await waitForDoc(candidate, want);
  await waitForDoc(interviewer, want);
  const version = await interviewer.evaluate(() => window.__room.syncedVersion);
  await candidate.waitForFunction((v) => window.__room.syncedVersion === v, version);
});

test('candidate sees the interviewer cursor with its name', async () => {
  await interviewer.click('#editor .cm-content');
  await interviewer.keyboard.press('Control+Home');
  await interviewer.keyboard.press('End');
  const label = candidate.locator('#editor .cm-remote-caret .cm-remote-label', { hasText: 'Iris Interviewer' });
  await label.waitFor({ timeout: 5000 });
  // The caret moves to the end of line 1 in the candidate's editor too.
  await candidate.waitForFunction((want) => {
    const el = document.querySelector('#editor .cm-remote-caret');
    return el && window.__room.view.posAtDOM(el) === want;
  }, '# top AAAA'.length, { timeout: 5000 });
});

test('language change propagates and changes highlighting', async () => {
  const options = await interviewer.$$eval('#language-select option', (os) => os.map((o) => o.value));
  const target = options.includes('python') ? 'python' : options.find((o) => o !== 'plaintext');
  if (!target) {
    // Only plain text is offered: nothing to switch to (no runtimes).
    assert.deepEqual(options, ['plaintext']);
    return;
  }
  assert.equal(await candidate.$$eval('#editor .cm-content [class*="tok-"]', (e) => e.length), 0, 'plain text has no highlighting');
  await interviewer.selectOption('#language-select', target);
  await candidate.waitForFunction((t) => document.querySelector('#language-select').value === t, target);
  await candidate.waitForSelector('#editor .cm-content .tok-comment');
  if (target === 'python') await candidate.waitForSelector('#editor .cm-content .tok-number');
  assert.equal(await interviewer.inputValue('#language-select'), target);
});

test('Run shows the output to both (or a clear no-runtimes state)', async () => {
  const hasPython = Array.isArray(runtimes) && runtimes.some((r) => r.language === 'python');
  if (!hasPython) {
    for (const p of [interviewer, candidate]) {
      await p.waitForSelector('#no-runtimes');
      assert.equal(await p.isDisabled('#run-button'), true);
    }
    return;
  }
  await candidate.click('#editor .cm-content');
  await candidate.keyboard.press('Control+End');
  await candidate.keyboard.type('print(x + y, input())\n');
  await candidate.waitForFunction(() => window.__room.unconfirmed === 0);
  await candidate.fill('#stdin', 'hello');
  await candidate.click('#run-button');
  for (const p of [candidate, interviewer]) {
    await p.waitForSelector('#run-stdout', { timeout: 20_000 });
    await p.waitForFunction(() => document.querySelector('#run-stdout')?.textContent.includes('3 hello'));
    assert.match(await p.textContent('#run-exit'), /Exit code 0/);
    assert.match(await p.textContent('#output'), /Cara Candidate/);
  }
  // Ctrl+Enter in the editor runs once (not twice, not a new line).
  const starts = () => interviewer.framesReceived.filter((f) => f.includes('"run_started"')).length;
  const before = starts();
  const doc = await docOf(interviewer);
  await interviewer.click('#editor .cm-content');
  await interviewer.keyboard.press('Control+Enter');
  await interviewer.waitForFunction(() => document.querySelector('#output .run')?.dataset.running === 'false' && /Iris/.test(document.querySelector('#output').textContent));
  await interviewer.waitForTimeout(300);
  assert.equal(starts(), before + 1);
  assert.equal(await docOf(interviewer), doc);
});

test('a note is seen by the interviewer, never by the candidate', async () => {
  await interviewer.fill('#note-input', 'Strong on complexity analysis');
  await interviewer.click('#add-note');
  await interviewer.waitForSelector('#notes .note-text:has-text("Strong on complexity analysis")');
  await candidate.waitForTimeout(500);
  const text = await candidate.evaluate(() => document.body.innerText);
  assert.ok(!text.includes('Strong on complexity'), 'candidate page must not show the note');
  assert.ok(interviewer.framesReceived.some((f) => f.includes('"note_added"')));
  assert.ok(candidate.framesReceived.length > 5);
  assert.ok(!candidate.framesReceived.some((f) => f.includes('note_added') || f.includes('Strong on complexity')), 'candidate never receives a note');
  assert.ok(!candidate.framesReceived.some((f) => f.includes('participant_focus')), 'candidate never receives focus events');
  for (const p of [interviewer, candidate]) {
    assert.deepEqual(p.consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e)), [], 'no CSP violations');
  }
  await interviewer.screenshot({ path: '/tmp/room-interviewer.png' });
  await candidate.screenshot({ path: '/tmp/room-candidate.png' });
});

test('an error from the server is shown as a toast', async () => {
  // A candidate's add_note is refused by the server (forbidden): the page says so.
  await candidate.evaluate(() => window.__room.send({ type: 'add_note', text: 'sneaky' }));
  await candidate.waitForSelector('.toast-error', { timeout: 5000 });
  await interviewer.waitForTimeout(300);
  assert.ok(!(await interviewer.evaluate(() => document.body.innerText)).includes('sneaky'));
});
