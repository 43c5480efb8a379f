// XSS: participant names, the document, run output, notes, titles and language values that are
// HTML are shown as text in the room page and the replay page. The pages run with the CSP
// bypassed (playwright bypassCSP), so an injection would execute, and the DOM is searched for the
// elements an injection would create; a first test proves that detector fires.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs, waitForDoc } from '../lib/browser.mjs';

const IMG = '<img src=x onerror=window.__xss=1>';
const SCRIPT = '<script>window.__xss=1</script>';
const SVG = '<svg onload=window.__xss=1>';
const PAYLOADS = [IMG, SCRIPT, SVG];

let roomd, br, runtimes, admin;

before(async () => {
  roomd = await startRoomd();
  br = await launch();
  runtimes = await (await fetch(`${roomd.url}/api/runtimes`)).json();
  admin = fs.readFileSync(path.join(roomd.dataDir, 'admin.token'), 'utf8').trim();
});
after(async () => {
  await br?.close();
  await roomd?.stop();
});

/** A page whose Content-Security-Policy is ignored: an injected handler or script would run. */
async function openPage() {
  const context = await br.browser.newContext({ bypassCSP: true, viewport: { width: 1360, height: 820 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[pageerror]', e.message));
  return page;
}

/** Nothing of the payloads became markup, and nothing ran. */
async function assertNoInjection(page, where) {
  // Give an onerror (a failing image load) time to fire if an <img> was created.
  await page.waitForTimeout(300);
  const found = await page.evaluate(() => ({
    xss: window.__xss,
    imgs: document.querySelectorAll('img[src="x"]').length,
    svgs: [...document.querySelectorAll('svg')].filter((s) => s.getAttribute('onload')).length,
    scripts: [...document.scripts].filter((s) => s.textContent.includes('__xss')).length,
    handlers: [...document.querySelectorAll('[onerror],[onload]')].length,
  }));
  assert.deepEqual(found, { xss: undefined, imgs: 0, svgs: 0, scripts: 0, handlers: 0 }, `${where}: injected markup ${JSON.stringify(found)}`);
}

const bodyText = (page) => page.evaluate(() => document.body.innerText);
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

test('the detector works: HTML inserted as markup does run in these pages', async () => {
  const page = await openPage();
  await page.goto(roomd.url + '/');
  await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), IMG);
  await page.waitForFunction(() => window.__xss === 1, null, { timeout: 5000 });
  await page.context().close();
});

test('live room: names, title, code, notes, run output and language values are text', async () => {
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: IMG }) });
  assert.equal(r.status, 201);
  const s = await r.json();
  assert.equal(s.title, IMG);

  const iv = await openPage();
  await iv.goto(roomd.url + s.interviewerUrl);
  await joinAs(iv, IMG);
  const cand = await openPage();
  await cand.goto(roomd.url + s.joinUrl);
  await joinAs(cand, SCRIPT);
  await iv.waitForFunction(() => document.querySelector('#participant-count')?.textContent === '2');

  // The candidate types code holding every payload (python that prints them).
  const code = PAYLOADS.map((p) => `print(${JSON.stringify(p)})`).join('\n') + '\n';
  await cand.click('#editor .cm-content');
  await cand.keyboard.insertText(code);
  await cand.waitForFunction(() => window.__room.unconfirmed === 0);
  await waitForDoc(iv, code);
  // A note holding them.
  await iv.fill('#note-input', `${IMG} ${SCRIPT} ${SVG}`);
  await iv.click('#add-note');
  await iv.waitForSelector('#notes .note-text');
  // A language that is HTML is refused by the server (shown as an error, not applied).
  await cand.evaluate((l) => window.__room.send({ type: 'language_change', language: l }), IMG);
  await cand.waitForSelector('.toast-error', { timeout: 5000 });
  assert.notEqual(await cand.inputValue('#language-select'), IMG);
  // A run, when this host has python.
  const hasPython = Array.isArray(runtimes) && runtimes.some((x) => x.language === 'python');
  if (hasPython) {
    await iv.selectOption('#language-select', 'python');
    await cand.waitForFunction(() => document.querySelector('#language-select').value === 'python');
    await cand.click('#run-button');
    for (const p of [cand, iv]) {
      // Output streams while the program runs: compare once the run has finished.
      await p.waitForSelector('#output .run[data-running="false"] #run-stdout', { timeout: 30_000 });
      assert.equal((await p.textContent('#run-stdout')).trim(), PAYLOADS.join('\n'));
    }
  }

  for (const [page, who] of [[iv, 'interviewer'], [cand, 'candidate']]) {
    await assertNoInjection(page, `room (${who})`);
    const names = await page.$$eval('#participants .person-name', (els) => els.map((e) => e.textContent));
    assert.ok(names.some((n) => n.includes(IMG)), `${who} sees the literal name ${IMG}: ${names}`);
    assert.ok(names.some((n) => n.includes(SCRIPT)), `${who} sees the literal name ${SCRIPT}: ${names}`);
    assert.equal(await page.evaluate(() => window.__room.view.state.doc.toString()), code);
    const lines = await page.$$eval('#editor .cm-line', (ls) => ls.map((l) => l.textContent));
    for (const p of PAYLOADS) assert.ok(lines.some((l) => l.includes(p)), `${who}: the editor shows ${p}`);
    assert.ok((await bodyText(page)).includes(IMG), `${who}: the title or name is visible as text`);
  }
  assert.equal(await iv.textContent('#notes .note-text'), `${IMG} ${SCRIPT} ${SVG}`);
  await iv.context().close();
  await cand.context().close();
});

test('imported session: run output, notes and names are text in the room and the replay', async () => {
  const id = crypto.randomUUID();
  const key = crypto.randomBytes(24).toString('hex');
  const t0 = Date.now() - 60_000;
  const doc = PAYLOADS.join('\n');
  const lines = [
    { type: 'session', format: 1, sessionId: id, createdAt: t0, language: 'python', title: SCRIPT, keyHash: sha256(key) },
    { seq: 1, ts: t0, type: 'session_created', language: 'python', title: SCRIPT },
    { seq: 2, ts: t0 + 1000, type: 'participant_joined', participantId: 'p1', participant: { participantId: 'p1', name: IMG, role: 'interviewer', color: '#e5484d' } },
    { seq: 3, ts: t0 + 2000, type: 'participant_joined', participantId: 'p2', participant: { participantId: 'p2', name: SCRIPT, role: 'candidate', color: '#3e63dd' } },
    { seq: 4, ts: t0 + 3000, type: 'code_changed', participantId: 'p2', version: 1, clientID: 'c2', changes: [[0, ...doc.split('\n')]] },
    { seq: 5, ts: t0 + 4000, type: 'note_added', participantId: 'p1', noteId: 'n_1', text: `${SVG} ${IMG}`, version: 1 },
    { seq: 6, ts: t0 + 5000, type: 'run_started', participantId: 'p2', runId: 'r_1', language: 'python', version: 1 },
    {
      seq: 7, ts: t0 + 6000, type: 'run_finished', participantId: 'p2', runId: 'r_1', stdout: `${IMG}\n${SVG}`, stderr: SCRIPT,
      exitCode: 1, signal: null, timedOut: false, truncated: false, durationMs: 12, compileOutput: SVG, error: IMG,
    },
    { seq: 8, ts: t0 + 7000, type: 'participant_left', participantId: 'p2', reason: 'left' },
  ];
  const imported = await fetch(`${roomd.url}/api/admin/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}` },
    body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
  });
  assert.equal(imported.status, 201, await imported.text());

  // The room page: the last run's output is shown from the log.
  const room = await openPage();
  await room.goto(`${roomd.url}/room/${id}#key=${key}`);
  await joinAs(room, 'Ivy');
  await room.waitForSelector('#output #run-stdout');
  assert.equal(await room.textContent('#run-stdout'), `${IMG}\n${SVG}`);
  assert.equal(await room.textContent('#run-stderr'), SCRIPT);
  assert.ok((await room.textContent('#output')).includes(SVG), 'compile output as text');
  assert.equal(await room.evaluate(() => window.__room.view.state.doc.toString()), doc);
  const names = await room.$$eval('#participants .person-name', (els) => els.map((e) => e.textContent));
  assert.ok(names.some((n) => n.includes(IMG)), `names: ${names}`);
  await assertNoInjection(room, 'room (imported)');
  await room.context().close();

  // The replay page: names, notes, the run marker's output, every event in the list.
  const replay = await openPage();
  await replay.goto(`${roomd.url}/replay/${id}#key=${key}`);
  await replay.waitForSelector('#replay-editor .cm-content');
  await assertNoInjection(replay, 'replay');
  await replay.click('#markers .marker-run');
  await replay.waitForSelector('#replay-output #run-stdout');
  assert.equal(await replay.textContent('#replay-output #run-stdout'), `${IMG}\n${SVG}`);
  assert.equal(await replay.textContent('#replay-output #run-stderr'), SCRIPT);
  const text = await bodyText(replay);
  for (const p of [IMG, SCRIPT, SVG]) assert.ok(text.includes(p), `the replay shows ${p} as text`);
  await replay.selectOption('#list-mode', 'events');
  const rows = await replay.$$eval('#marker-list li', (ls) => ls.map((l) => l.textContent).join('\n'));
  assert.ok(rows.includes(IMG) || rows.includes(SCRIPT), 'the event list names the participants as text');
  const replayLines = await replay.$$eval('#replay-editor .cm-line', (ls) => ls.map((l) => l.textContent));
  assert.deepEqual(replayLines, PAYLOADS);
  await assertNoInjection(replay, 'replay (after the run marker and the event list)');
  await replay.context().close();

  // A language that is HTML never gets into a session: refused at creation and at import.
  const bad = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ language: IMG }) });
  assert.equal(bad.status, 400);
  const badImport = lines.map((l) => ({ ...l }));
  badImport[0].sessionId = crypto.randomUUID();
  badImport.push({ seq: 9, ts: t0 + 8000, type: 'language_changed', participantId: 'p1', language: IMG });
  const refused = await fetch(`${roomd.url}/api/admin/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}` },
    body: badImport.map((l) => JSON.stringify(l)).join('\n') + '\n',
  });
  assert.equal(refused.status, 400);
});
