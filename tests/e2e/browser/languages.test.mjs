// Every language roomd offers (GET /api/runtimes) gets syntax highlighting in the editor: the
// interviewer picks it, and a string literal in the document is coloured (plain text has no
// tok-* spans at all). With ROOMS_REQUIRE_ALL_LANGUAGES=1 (tools/test --languages all), all
// 25 languages must be offered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs, waitForDoc } from '../lib/browser.mjs';

const ALL = ['python', 'javascript', 'typescript', 'c', 'cpp', 'java', 'kotlin', 'scala', 'clojure', 'go',
  'rust', 'bash', 'ruby', 'php', 'perl', 'lua', 'r', 'csharp', 'haskell', 'ocaml', 'elixir', 'erlang',
  'pascal', 'fortran', 'sql'];
// A line holding a string literal, in each language's quotes.
const SNIPPET = { pascal: "s := 'text';", sql: "SELECT 'text';", fortran: "s = 'text'" };

let roomd, br, page, runtimes;

before(async () => {
  roomd = await startRoomd();
  br = await launch();
  runtimes = await (await fetch(`${roomd.url}/api/runtimes`)).json();
});
after(async () => {
  await br?.close();
  await roomd?.stop();
});

test('the probe offers the languages installed here (all of them with --languages all)', () => {
  const offered = runtimes.map((r) => r.language);
  for (const name of offered) assert.ok(ALL.includes(name), `${name} is offered but not known to this test`);
  if (process.env.ROOMS_REQUIRE_ALL_LANGUAGES === '1') assert.deepEqual([...offered].sort(), [...ALL].sort());
});

test('each offered language highlights a string literal', async () => {
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const s = await r.json();
  page = await br.newPage();
  await page.goto(roomd.url + s.interviewerUrl);
  await joinAs(page, 'Iris Interviewer');
  for (const { language } of runtimes) {
    // Plain text first, until nothing is coloured: the string below is then coloured by
    // this language's grammar, not by the previous one's.
    await page.selectOption('#language-select', 'plaintext');
    const text = (SNIPPET[language] ?? 's = "text"') + '\n';
    await page.evaluate((t) => {
      const v = window.__room.view;
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: t } });
    }, text);
    await waitForDoc(page, text);
    await page.waitForFunction(() => document.querySelectorAll('#editor .cm-content [class*="tok-"]').length === 0);
    await page.selectOption('#language-select', language);
    await page.waitForSelector('#editor .cm-content .tok-string', { timeout: 10_000 })
      .catch(() => assert.fail(`${language}: no highlighted string in ${JSON.stringify(text)}`));
  }
});
