// A dropped connection reconnects and resumes; edits made while offline are kept and sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs, docOf, waitForDoc } from '../lib/browser.mjs';

let roomd, br;
const ADMIN = 'e2e-admin-token-0123456789abcdef';
before(async () => {
  roomd = await startRoomd({ env: { ROOMD_ADMIN_TOKEN: ADMIN } });
  br = await launch();
});
after(async () => {
  await br?.close();
  await roomd?.stop();
});

async function createSession() {
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(r.status, 201);
  return r.json();
}

test('unknown session shows a clear screen', async () => {
  const page = await br.newPage();
  await page.goto(`${roomd.url}/room/00000000-0000-4000-8000-000000000000`);
  await page.waitForSelector('text=Interview not found');
  await page.close();
});

test('dropped connection reconnects, resumes and keeps offline edits', async () => {
  const s = await createSession();
  const interviewer = await br.newPage();
  await interviewer.goto(roomd.url + s.interviewerUrl);
  await joinAs(interviewer, 'Ivan');
  const candidate = await br.newPage();
  await candidate.goto(roomd.url + s.joinUrl);
  await joinAs(candidate, 'Cleo');

  await candidate.click('#editor .cm-content');
  await candidate.keyboard.type('base\n');
  await waitForDoc(interviewer, 'base\n');
  const pidBefore = await candidate.evaluate(() => window.__room.participantId);

  // Drop the candidate's socket (abnormal close, not a clean leave) and keep it down.
  await candidate.evaluate(() => window.__room.drop());
  await candidate.waitForFunction(() => document.querySelector('#connection').dataset.state === 'reconnecting');
  await candidate.waitForSelector('#banner:not(.hidden)');

  // Both edit while the candidate is offline.
  await interviewer.click('#editor .cm-content');
  await interviewer.keyboard.press('Control+End');
  await interviewer.keyboard.type('from interviewer\n');
  await candidate.keyboard.press('Control+Home');
  await candidate.keyboard.type('offline edit ');
  assert.ok((await candidate.evaluate(() => window.__room.unconfirmed)) > 0, 'offline edits are unconfirmed');
  assert.equal(await docOf(candidate), 'offline edit base\n');

  await candidate.evaluate(() => window.__room.restore());
  await candidate.waitForFunction(() => window.__room.connected && window.__room.unconfirmed === 0, null, { timeout: 15_000 });
  const want = 'offline edit base\nfrom interviewer\n';
  await waitForDoc(candidate, want);
  await waitForDoc(interviewer, want);
  assert.equal(await candidate.evaluate(() => window.__room.participantId), pidBefore, 'same participant after resume');
  assert.ok(!interviewer.framesReceived.some((f) => f.includes('"participant_left"')), 'a resumed participant never left');
  assert.equal(await interviewer.textContent('#participant-count'), '2');
  assert.equal(await candidate.getAttribute('#banner', 'class'), 'banner hidden');
});

test('a session expired by an admin shows the ended screen to everyone in it', async () => {
  const s = await createSession();
  const interviewer = await br.newPage();
  await interviewer.goto(roomd.url + s.interviewerUrl);
  await joinAs(interviewer, 'Ivan');
  const candidate = await br.newPage();
  await candidate.goto(roomd.url + s.joinUrl);
  await joinAs(candidate, 'Cleo');
  const r = await fetch(`${roomd.url}/api/admin/sessions/${s.sessionId}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(r.status, 204);
  for (const p of [interviewer, candidate]) await p.waitForSelector('text=This interview has ended', { timeout: 10_000 });
  // Opening the link afterwards: the session is gone.
  const late = await br.newPage();
  await late.goto(roomd.url + s.joinUrl);
  await late.waitForSelector('text=Interview not found');
});
