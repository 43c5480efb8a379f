// A whole interview in real browsers (issue #19): the interviewer prepares in the lobby while the
// candidate waits, starts, both type, the candidate pastes from outside and the replay marks it,
// the interviewer ends (the candidate's editor is read-only and the server refuses their edit too),
// writes and submits a scorecard, and a second interviewer cannot see it until submitting their own.
// Every frame the candidate's page receives is recorded: no scorecard, note or lobby text in it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, waitForDoc, docOf } from '../lib/browser.mjs';

let roomd, br, ann, bob, cal, links;

before(async () => {
  roomd = await startRoomd();
  br = await launch();
});
after(async () => {
  await br?.close();
  await roomd?.stop();
});

async function enter(page, url, name) {
  await page.goto(url);
  await page.waitForSelector('#name-input');
  await page.fill('#name-input', name);
  await page.click('#join-button');
}

const joined = (page) => page.waitForFunction(() => window.__room && window.__room.connected);

test('the interviewer creates a lobby room and prepares while the candidate waits', async () => {
  ann = await br.newPage();
  await ann.goto(roomd.url + '/');
  await ann.waitForSelector('#start-form');
  await ann.fill('#new-title', 'Lobby pairing');
  await ann.check('#new-lobby');
  await ann.click('#start-button');
  await ann.waitForSelector('#candidate-link');
  links = { candidate: await ann.inputValue('#candidate-link'), interviewer: await ann.inputValue('#interviewer-link') };
  await enter(ann, links.interviewer, 'Ann');
  await ann.waitForSelector('#editor .cm-content');
  await joined(ann);
  assert.equal(await ann.evaluate(() => window.__room.phase), 'lobby');
  assert.ok(await ann.isVisible('#start-interview'));
  await ann.click('#editor .cm-content');
  await ann.keyboard.type('LOBBY draft\n');
  await ann.fill('#note-input', 'NOTE: ask about tests');
  await ann.click('#add-note');

  cal = await br.newPage();
  await enter(cal, links.candidate, 'Cal');
  await cal.waitForSelector('#lobby-wait');
  await joined(cal);
  assert.match(await cal.textContent('#lobby-wait'), /Lobby pairing/);
  assert.match(await cal.textContent('#lobby-preparing'), /Ann is preparing/);
  assert.equal(await cal.$('#editor .cm-content'), null, 'no editor in the lobby');
  assert.equal(await cal.$('#scorecard'), null, 'a candidate has no scorecard panel');
  // The lobby text is replaced before the start: the candidate must never receive it.
  await ann.evaluate(() => {
    const v = window.__room.view;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: 'def solve():\n' } });
  });
  await ann.waitForFunction(() => window.__room.unconfirmed === 0);
});

test('start: the candidate gets the room; both type; a paste from outside is tagged', async () => {
  await ann.click('#start-interview');
  await cal.waitForSelector('#editor .cm-content');
  await waitForDoc(cal, 'def solve():\n');
  assert.equal(await cal.isVisible('#lobby-wait'), false);
  await cal.click('#editor .cm-content');
  await cal.keyboard.press('Control+End');
  await cal.keyboard.type('x = 42');
  await waitForDoc(ann, 'def solve():\nx = 42');
  // A paste from outside the pad: a real paste event, as the browser fires it.
  await cal.evaluate(() => {
    const dt = new DataTransfer();
    dt.setData('text/plain', 'import numpy as np  # from elsewhere');
    window.__room.view.contentDOM.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  await ann.waitForFunction(() => window.__room.view.state.doc.toString().includes('from elsewhere'));
  await cal.waitForFunction(() => window.__room.unconfirmed === 0);
  const key = new URL(links.interviewer).hash.replace('#key=', '');
  const id = new URL(links.candidate).pathname.split('/').pop();
  const r = await fetch(`${roomd.url}/api/sessions/${id}/events?limit=10000`, { headers: { authorization: `Bearer ${decodeURIComponent(key)}` } });
  const { events } = await r.json();
  const pastes = events.filter((e) => e.type === 'code_changed' && e.origin === 'paste');
  assert.equal(pastes.length, 1, JSON.stringify(events.filter((e) => e.type === 'code_changed').map((e) => [e.origin, e.pasteFrom])));
  assert.equal(pastes[0].pasteFrom, 'outside');
  assert.ok(events.some((e) => e.type === 'code_changed' && e.origin === 'typed'));
});

test('the replay marks the paste from outside, with its text on hover, and the phase change', async () => {
  const replay = await br.newPage();
  const id = new URL(links.candidate).pathname.split('/').pop();
  const key = new URL(links.interviewer).hash;
  await replay.goto(`${roomd.url}/replay/${id}${key}`);
  await replay.waitForSelector('.marker-paste-outside');
  const title = await replay.getAttribute('.marker-paste-outside', 'title');
  assert.match(title, /pasted \d+ characters from outside/);
  assert.match(title, /from elsewhere/);
  assert.ok(await replay.$('.marker-phase'), 'the start is a marker');
  await replay.close();
});

test('end: the candidate editor is read-only and the server refuses their edit too', async () => {
  await ann.click('#end-interview');
  await cal.waitForFunction(() => window.__room.phase === 'ended' && window.__room.readOnly === true);
  assert.match(await cal.textContent('#interview-banner'), /ended/);
  const before = await docOf(cal);
  await cal.click('#editor .cm-content');
  await cal.keyboard.type('zzz');
  assert.equal(await docOf(cal), before, 'the editor took no keystroke');
  // The server refuses an edit even from a client that ignores the read-only editor.
  const version = await cal.evaluate(() => window.__room.syncedVersion);
  await cal.evaluate((v) => window.__room.send({ type: 'code_update', version: v, ref: 'sneaky', updates: [{ clientID: 'x', changes: [[0, 'HACK']] }] }), version);
  await cal.waitForFunction(() => true);
  await new Promise((res) => setTimeout(res, 300));
  assert.ok(cal.framesReceived.some((f) => f.includes('"sneaky"') && f.includes('forbidden')), 'error forbidden');
  assert.ok(!(await docOf(ann)).includes('HACK'));
  assert.ok(await ann.isVisible('#ended-replay'), 'the interviewer is offered the replay');
});

test('scorecards: Ann submits; Bob cannot see hers until he submits his own', async () => {
  await ann.click('#scorecard-ratings button[data-criterion="testing"][data-rating="3"]');
  await ann.selectOption('#scorecard-recommendation', 'yes');
  await ann.fill('#scorecard-comment', 'CARD: clean solution');
  await ann.click('#scorecard-add-comment');
  await ann.waitForFunction(() => document.querySelectorAll('#scorecard-comments li').length === 1);
  await ann.click('#scorecard-submit');
  await ann.waitForFunction(() => document.querySelector('#scorecard-status')?.textContent === 'Submitted');

  bob = await br.newPage();
  await enter(bob, links.interviewer, 'Bob');
  await bob.waitForSelector('#scorecard');
  await joined(bob);
  assert.equal(await bob.$('#scorecard-others .other-card'), null, "Ann's scorecard is hidden from Bob");
  assert.ok(!bob.framesReceived.some((f) => f.includes('CARD: clean solution')), 'not even sent to him');
  await bob.click('#scorecard-ratings button[data-criterion="communication"][data-rating="4"]');
  await bob.click('#scorecard-submit');
  await bob.waitForSelector('#scorecard-others .other-card');
  assert.match(await bob.textContent('#scorecard-others'), /Ann/);
});

test('the candidate page never received a scorecard, a note or the lobby text', async () => {
  const all = cal.framesReceived.join('\n');
  assert.ok(all.includes('def solve'), 'the recording works');
  for (const secret of ['LOBBY draft', 'NOTE: ask', 'CARD:', 'scorecard', 'note_added', 'participant_focus', 'ratings'])
    assert.ok(!all.includes(secret), `${secret} reached the candidate`);
});

test('the printable summary shows the phases, the paste from outside and the scorecards', async () => {
  const page = await br.newPage();
  const id = new URL(links.candidate).pathname.split('/').pop();
  await page.goto(`${roomd.url}/replay/${id}?view=summary${new URL(links.interviewer).hash}`);
  await page.waitForSelector('#summary');
  const text = await page.textContent('#summary');
  assert.match(text, /lobby: .*live: .*ended: /s);
  assert.match(text, /pasted \d+ characters: import numpy/);
  assert.match(text, /Ann submitted · yes: .*testing 3\/4/);
  assert.match(text, /CARD: clean solution/);
  await page.close();
});
