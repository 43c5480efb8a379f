// Questions in the browser: an interviewer starts an interview from a question picked on the start
// page (search, filters), the candidate's page shows the statement and the visible tests only, the
// candidate runs the tests (button, then Ctrl+Shift+Enter), both pages show "3/4 passed", and the
// replay has the test run as a marker with its results as they were. A hostile statement (script,
// event handlers, javascript: links, raw HTML) renders as text, with the CSP bypassed so an
// injection would run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs, waitForDoc } from '../lib/browser.mjs';

let roomd, br, admin;

const HIDDEN_IN = 'hidden-stdin-w8q';
const HIDDEN_OUT = 'HIDDEN-STDIN-W8Q';
const HOSTILE = [
  '# Upper <img src=x onerror=window.__xss=1>',
  '',
  'Read a line, print it in **upper case**. <script>window.__xss=1</script>',
  '',
  '[click me](javascript:window.__xss=1) and [docs](https://example.com/docs) and [data](data:text/html,<b>x</b>)',
  '',
  '<div onclick="window.__xss=1">raw html</div> <svg onload=window.__xss=1></svg>',
  '',
  '- one `<b>code</b>`',
  '- two',
  '',
  '```',
  '<script>window.__xss=1</script>',
  '```',
].join('\n');

function question() {
  const t = (name, input, hidden) => ({ name, stdin: `${input}\n`, expected: `${input.toUpperCase()}\n`, hidden });
  return {
    questionId: 'upper-e2e',
    title: 'Shout it',
    statement: HOSTILE,
    languages: { python: { starter: 'line = input()\nprint(line)  # TODO\n' } },
    tests: [t('hello', 'hello', false), t('mixed', 'MiXed', false), t('secret-a', HIDDEN_IN, true), t('secret-b', 'zz-secret', true)],
    tags: ['strings', 'warm-up'],
    difficulty: 'easy',
  };
}

before(async () => {
  roomd = await startRoomd();
  br = await launch();
  admin = fs.readFileSync(path.join(roomd.dataDir, 'admin.token'), 'utf8').trim();
  const post = (q) => fetch(`${roomd.url}/api/questions`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(q) });
  assert.equal((await post(question())).status, 201);
  assert.equal((await post({ ...question(), questionId: 'other', title: 'Graph walk', tags: ['graphs'], difficulty: 'hard' })).status, 201);
});
after(async () => {
  await br?.close();
  await roomd?.stop();
});

async function openPage() {
  const context = await br.browser.newContext({ bypassCSP: true, viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[pageerror]', e.message));
  return page;
}

async function assertNoInjection(page, where) {
  await page.waitForTimeout(300);
  const found = await page.evaluate(() => ({
    xss: window.__xss,
    imgs: document.querySelectorAll('img[src="x"]').length,
    svgs: document.querySelectorAll('svg[onload]').length,
    handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
    scripts: [...document.scripts].filter((s) => s.textContent.includes('__xss')).length,
    badLinks: [...document.querySelectorAll('a[href]')].filter((a) => !/^(https?:|\/|#)/.test(a.getAttribute('href'))).length,
  }));
  assert.deepEqual(found, { xss: undefined, imgs: 0, svgs: 0, handlers: 0, scripts: 0, badLinks: 0 }, `${where}: ${JSON.stringify(found)}`);
}

const summary = (page) => page.textContent('#test-summary');

test('start from a question; the candidate sees the statement and visible tests only; 3/4 pass for both; the replay marks the run', async () => {
  const iv = await openPage();
  await iv.goto(roomd.url + '/');
  await iv.waitForSelector('#start-form');
  await iv.click('#choose-question');
  await iv.waitForSelector('#question-picker');
  await iv.fill('#question-search', 'warm');
  await iv.waitForFunction(() => document.querySelectorAll('#question-list [data-question]').length === 1);
  await iv.selectOption('#question-difficulty', 'hard');
  await iv.waitForFunction(() => document.querySelectorAll('#question-list [data-question]').length === 0);
  await iv.selectOption('#question-difficulty', '');
  await iv.fill('#question-search', 'shout');
  await iv.click('#question-list [data-question="upper-e2e"]');
  assert.match(await iv.textContent('#chosen-question'), /Shout it/);
  await iv.click('#start-button');
  await iv.waitForSelector('#candidate-link');
  const candidateUrl = await iv.inputValue('#candidate-link');
  await iv.click('#enter-room');
  await iv.waitForURL(/\/room\//);
  await joinAs(iv, 'Ivy');
  await waitForDoc(iv, question().languages.python.starter);
  await iv.waitForSelector('#question-title');
  // Interviewers see the hidden tests whole.
  assert.match(await iv.textContent('#question-tests'), new RegExp(HIDDEN_IN));

  const cand = await openPage();
  await cand.goto(candidateUrl);
  await joinAs(cand, 'Cy');
  await cand.waitForSelector('#question-title');
  assert.match(await cand.textContent('#question-title'), /Shout it/);
  const tests = await cand.textContent('#question-tests');
  assert.match(tests, /hello/);
  assert.match(tests, /MIXED/);
  assert.match(tests, /secret-a/);
  assert.doesNotMatch(tests, new RegExp(HIDDEN_IN, 'i'));
  assert.doesNotMatch(await cand.content(), new RegExp(HIDDEN_IN, 'i'), 'no hidden input anywhere in the page');
  await assertNoInjection(cand, 'candidate room');
  assert.equal(await cand.getAttribute('#question-statement a[href^="https://example.com"]', 'href'), 'https://example.com/docs');
  assert.match(await cand.textContent('#question-statement'), /<script>window.__xss=1<\/script>/, 'raw HTML shows as text');

  // The candidate writes a solution that fails one hidden test and runs the tests.
  await cand.evaluate(() => {
    const v = window.__room.view;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: "s = input()\nprint('nope' if s.startswith('zz') else s.upper())\n" } });
  });
  await waitForDoc(iv, "s = input()\nprint('nope' if s.startswith('zz') else s.upper())\n");
  await cand.click('#run-tests');
  await cand.waitForFunction(() => document.querySelector('#test-summary')?.textContent.startsWith('3/4 passed'), null, { timeout: 60_000 });
  await iv.waitForFunction(() => document.querySelector('#test-summary')?.textContent.startsWith('3/4 passed'), null, { timeout: 60_000 });
  assert.match(await summary(iv), /^3\/4 passed/);
  // The keyboard shortcut runs them again.
  await cand.click('#editor .cm-content');
  await cand.keyboard.press('Control+Shift+Enter');
  await iv.waitForFunction(() => document.querySelectorAll('#test-result-list, .test-result').length > 0 && document.querySelector('#test-summary')?.textContent.startsWith('Running'), null, { timeout: 10_000 }).catch(() => {});
  await cand.waitForFunction(() => document.querySelector('#test-summary')?.textContent.startsWith('3/4 passed'), null, { timeout: 60_000 });
  assert.doesNotMatch(await cand.content(), new RegExp(HIDDEN_OUT), 'no hidden expected output in the candidate page');

  // The replay: a test-run marker, and its results as they were.
  const interviewerUrl = iv.url();
  const replay = await openPage();
  await replay.goto(interviewerUrl.replace('/room/', '/replay/'));
  await replay.waitForSelector('#markers .marker-tests');
  assert.equal(await replay.locator('#markers .marker-tests').count(), 2);
  await replay.click('#markers .marker-tests >> nth=0');
  await replay.waitForSelector('#replay-tests');
  assert.match(await replay.textContent('#replay-tests'), /3\/4 passed/);
  await assertNoInjection(replay, 'replay');
  for (const p of [iv, cand, replay]) await p.context().close();
});
