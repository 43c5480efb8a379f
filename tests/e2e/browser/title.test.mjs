// The session's title (given at creation, e.g. "Backend - Jane Doe") is shown in the room's header
// and the tab title for both roles, and in the replay's header and tab title.
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

async function createSession(body) {
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 201);
  return r.json();
}

const TITLE = 'Backend - Jane Doe';

test('the title is in the room header and the tab title, for the interviewer and the candidate', async () => {
  const s = await createSession({ title: TITLE });
  for (const [who, url] of [['Ivan', s.interviewerUrl], ['Cleo', s.joinUrl]]) {
    const page = await br.newPage();
    await page.goto(roomd.url + url);
    // Already on the name prompt, so a candidate knows which interview they are joining.
    await page.waitForSelector('#join-title');
    assert.equal(await page.textContent('#join-title'), TITLE);
    await joinAs(page, who);
    assert.equal(await page.textContent('#room-title'), TITLE, `${who}: header`);
    assert.ok(await page.isVisible('#room-title'), `${who}: the title is visible`);
    assert.equal(await page.title(), `${TITLE} · Interview room`, `${who}: tab title`);
    await page.close();
  }
});

test('the title is in the replay header and tab title', async () => {
  const s = await createSession({ title: TITLE });
  const page = await br.newPage();
  await page.goto(roomd.url + s.interviewerUrl);
  await joinAs(page, 'Ivan');
  await page.goto(roomd.url + s.replayUrl);
  await page.waitForSelector('#replay-title');
  assert.equal(await page.textContent('#replay-title'), TITLE);
  assert.equal(await page.title(), `${TITLE} · Interview replay`);
  await page.close();
});

test('without a title the header shows none and the tab says "Interview room"', async () => {
  const s = await createSession({});
  const page = await br.newPage();
  await page.goto(roomd.url + s.joinUrl);
  await joinAs(page, 'Cleo');
  assert.equal(await page.isVisible('#room-title'), false);
  assert.equal(await page.title(), 'Interview room');
  await page.close();
});
