// A call in the room, in Debian's chromium with its fake camera and microphone: two pages join
// (each only after its own click), each receives the other's video, whose frames advance (read
// from a canvas), and audio; a mute shows on the other side; a third page joins and leaves the
// room, which ends its call; the log has call_state_changed and never a call_signal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs, FAKE_MEDIA_ARGS } from '../lib/browser.mjs';

let roomd, br, s;
const pages = {};

before(async () => {
  roomd = await startRoomd();
  br = await launch({ args: FAKE_MEDIA_ARGS });
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"Call"}' });
  s = await r.json();
});
after(async () => {
  await br?.close();
  await roomd?.stop();
});

async function enter(name, interviewer) {
  const page = await br.newPage();
  await page.goto(`${roomd.url}/room/${s.sessionId}${interviewer ? `#key=${s.interviewerKey}` : ''}`);
  await joinAs(page, name);
  page.pid = await page.evaluate(() => window.__room.participantId);
  pages[name] = page;
  return page;
}

const callState = (page) => page.evaluate(() => window.__room.call.state);

/** Waits until `page` has a connected peer for each of `pids` with a remote audio and video track (video unless audioOnly). */
async function connectedTo(page, pids, { audioOnly = [] } = {}) {
  await page.waitForFunction(
    ({ pids, audioOnly }) => {
      const st = window.__room.call.state;
      return pids.every((pid) => {
        const p = st.peers.find((x) => x.participantId === pid);
        return p && p.connection === 'connected' && p.audioTracks >= 1 && (audioOnly.includes(pid) || p.videoTracks >= 1);
      });
    },
    { pids, audioOnly },
    { timeout: 20_000 },
  ).catch(async (err) => {
    throw new Error(`${err.message}: ${JSON.stringify(await callState(page))}`);
  });
}

/** Two samples of the remote video of `pid` on `page`, 400 ms apart: do the frames advance? */
async function framesAdvance(page, pid) {
  return page.evaluate(async (pid) => {
    const video = document.querySelector(`.call-tile:not(.call-self) video[data-participant="${pid}"]`);
    if (!video) return { error: 'no tile' };
    const deadline = Date.now() + 10_000;
    while ((video.readyState < 2 || !video.videoWidth) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 90;
    const g = canvas.getContext('2d');
    const sample = () => {
      g.drawImage(video, 0, 0, canvas.width, canvas.height);
      return Array.from(g.getImageData(0, 0, canvas.width, canvas.height).data);
    };
    const a = sample();
    await new Promise((r) => setTimeout(r, 400));
    const b = sample();
    let differing = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
    const lit = a.some((v, i) => i % 4 !== 3 && v > 16); // not a black frame
    return { width: video.videoWidth, differing, lit };
  }, pid);
}

test('nobody is in the call, nor asked for a camera, until they click', async () => {
  const ann = await enter('Ann Interviewer', true);
  const bob = await enter('Bob Candidate', false);
  for (const p of [ann, bob]) {
    const st = await callState(p);
    assert.equal(st.joined, false);
    assert.deepEqual(st.inCall, {});
    assert.deepEqual(st.peers, []);
    assert.equal(await p.isVisible('#call-join-video'), true);
  }
});

test('two pages join: each gets the other\'s video (frames advance) and audio', async () => {
  const { 'Ann Interviewer': ann, 'Bob Candidate': bob } = pages;
  await ann.click('#call-join-video');
  await bob.waitForFunction((pid) => window.__room.call.state.inCall[pid]?.video === true, ann.pid);
  await bob.click('#call-join-video');
  await connectedTo(ann, [bob.pid]);
  await connectedTo(bob, [ann.pid]);
  for (const [page, other] of [
    [ann, bob],
    [bob, ann],
  ]) {
    const f = await framesAdvance(page, other.pid);
    assert.ok(f.width > 0, `a remote video of some size: ${JSON.stringify(f)}`);
    assert.ok(f.lit, 'the remote video is not black');
    assert.ok(f.differing > 100, `the frames advance: ${JSON.stringify(f)}`);
  }
  assert.equal(await ann.locator(`.call-tile[data-participant="${bob.pid}"]`).getAttribute('data-audio'), 'true');
});

test('a mute and a camera off show on the other side', async () => {
  const { 'Ann Interviewer': ann, 'Bob Candidate': bob } = pages;
  await ann.click('#call-mute');
  const tile = bob.locator(`.call-tile[data-participant="${ann.pid}"]`);
  await bob.waitForFunction((pid) => document.querySelector(`.call-tile[data-participant="${pid}"]`)?.getAttribute('data-audio') === 'false', ann.pid);
  assert.match(await tile.textContent(), /muted/);
  assert.equal((await callState(bob)).inCall[ann.pid].audio, false);
  await ann.click('#call-camera');
  await bob.waitForFunction((pid) => document.querySelector(`.call-tile[data-participant="${pid}"]`)?.classList.contains('camera-off'), ann.pid);
  await ann.click('#call-mute');
  await ann.click('#call-camera');
  await bob.waitForFunction((pid) => {
    const m = window.__room.call.state.inCall[pid];
    return m?.audio === true && m?.video === true;
  }, ann.pid);
});

// The log checks below depend on the third page; ws_calls_test checks that no signal is ever logged.

test('a third page joins with its microphone, then leaves the room: its call ends for the others', async () => {
  const { 'Ann Interviewer': ann, 'Bob Candidate': bob } = pages;
  const cid = await enter('Cid Candidate', false);
  assert.equal((await callState(cid)).peers.length, 0, 'in the room, not in the call');
  await cid.click('#call-join-audio');
  await connectedTo(cid, [ann.pid, bob.pid]);
  await connectedTo(ann, [bob.pid, cid.pid], { audioOnly: [cid.pid] });
  await connectedTo(bob, [ann.pid, cid.pid], { audioOnly: [cid.pid] });
  assert.deepEqual((await callState(ann)).inCall[cid.pid], { audio: true, video: false });
  await cid.close();
  for (const p of [ann, bob]) {
    await p.waitForFunction((pid) => !(pid in window.__room.call.state.inCall) && !window.__room.call.state.peers.some((x) => x.participantId === pid), cid.pid, { timeout: 40_000 });
    assert.equal((await callState(p)).peers.length, 1);
  }
});

test('the log has the call states and no signal', async () => {
  const r = await fetch(`${roomd.url}/api/sessions/${s.sessionId}/events?limit=1000`, { headers: { authorization: `Bearer ${s.interviewerKey}` } });
  const { events } = await r.json();
  assert.equal(events.filter((e) => e.type === 'call_signal').length, 0);
  const calls = events.filter((e) => e.type === 'call_state_changed');
  const cid = pages['Cid Candidate'].pid;
  assert.deepEqual(
    calls.filter((e) => e.participantId === cid).map((e) => [e.audio, e.video, e.joined]),
    [
      [true, false, true],
      [false, false, false],
    ],
  );
  assert.ok(calls.length >= 8, `two joins, four changes, the third's join and end: ${calls.length}`);
  for (const p of [pages['Ann Interviewer'], pages['Bob Candidate']]) assert.deepEqual(p.consoleErrors.filter((e) => !/favicon/.test(e)), []);
});
