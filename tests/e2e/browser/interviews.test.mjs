// Black-box test of GET /api/interviews (issue #21) against a real roomd: interviews created over
// REST, a candidate and an interviewer joining over WebSocket, phase and language changes, then the
// row found by the candidate's name with the right fields. The route needs the admin token (401
// without, 403 with an interviewer key), and nothing of the listing reaches a candidate's socket
// or the candidate-facing session route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startRoomd } from '../lib/roomd.mjs';

const TOKEN = 'interviews-test-admin-token';
let roomd;
const sockets = [];

before(async () => {
  roomd = await startRoomd({ env: { ROOMD_ADMIN_TOKEN: TOKEN } });
});
after(async () => {
  for (const ws of sockets) ws.terminate();
  await roomd?.stop();
});

const admin = { Authorization: `Bearer ${TOKEN}` };

async function create(body) {
  const r = await fetch(`${roomd.url}/api/sessions`, { method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 201);
  return r.json();
}

/** A joined socket that records every message; `next(type)` waits for the next one of a type. */
async function join(s, name, role, key) {
  const ws = new WebSocket(`${roomd.url.replace('http', 'ws')}/ws/${s.sessionId}`);
  sockets.push(ws);
  const seen = [];
  const waiters = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    seen.push(m);
    for (const w of waiters.splice(0)) if (!w(m)) waiters.push(w);
  });
  await new Promise((res, rej) => (ws.once('open', res), ws.once('error', rej)));
  const next = (type) =>
    new Promise((res, rej) => {
      const hit = seen.find((m) => m.type === type && !m.taken);
      if (hit) return res(((hit.taken = true), hit));
      const t = setTimeout(() => rej(new Error(`no ${type} within 10 s`)), 10_000);
      waiters.push((m) => (m.type === type ? (clearTimeout(t), (m.taken = true), res(m), true) : false));
    });
  ws.send(JSON.stringify({ type: 'join_session', name, role, ...(key ? { key } : {}) }));
  await next('session_state');
  return { ws, seen, next, send: (m) => ws.send(JSON.stringify(m)) };
}

async function interviews(query, headers = admin) {
  const r = await fetch(`${roomd.url}/api/interviews${query}`, { headers });
  return { status: r.status, body: await r.json() };
}

test('an interview is found by its candidate with phase, language, times and a replay link', async () => {
  const other = await create({ title: 'Frontend pairing', language: 'python' });
  const s = await create({ title: 'Backend loop', language: 'python', lobby: true });
  const ida = await join(s, 'Ida Interviewer', 'interviewer', s.interviewerKey);
  const cal = await join(s, 'Grace Hopper', 'candidate');

  const lobbyRow = (await interviews('?q=hopper')).body.interviews;
  assert.equal(lobbyRow.length, 1);
  assert.equal(lobbyRow[0].phase, 'lobby');
  assert.equal(lobbyRow[0].startedAt, null);
  assert.equal(lobbyRow[0].durationMs, null);

  ida.send({ type: 'start_interview' });
  await cal.next('phase_changed');
  ida.send({ type: 'language_change', language: 'javascript' });
  await cal.next('language_changed');
  ida.send({ type: 'add_note', text: 'a private note' });
  await ida.next('note_added');
  ida.send({ type: 'end_interview' });
  await cal.next('phase_changed');

  // Mixed case and a space, URL-encoded the way browsers do.
  const { status, body } = await interviews('?q=' + encodeURIComponent('GRACE hop'));
  assert.equal(status, 200);
  assert.equal(body.interviews.length, 1, JSON.stringify(body));
  assert.equal(body.next, null);
  const row = body.interviews[0];
  assert.equal(row.sessionId, s.sessionId);
  assert.equal(row.title, 'Backend loop');
  assert.equal(row.phase, 'ended');
  assert.equal(row.language, 'javascript');
  assert.deepEqual(row.candidates, ['Grace Hopper']);
  assert.deepEqual(row.interviewers, ['Ida Interviewer']);
  assert.equal(row.question, null);
  assert.equal(row.replayUrl, `/replay/${s.sessionId}`);
  assert.equal(row.createdAt, s.createdAt);
  assert.ok(row.startedAt >= row.createdAt && row.endedAt >= row.startedAt, JSON.stringify(row));
  assert.equal(row.durationMs, row.endedAt - row.startedAt);
  assert.ok(row.lastActivityAt >= row.endedAt);
  const text = JSON.stringify(body);
  for (const secret of [s.interviewerKey, 'a private note', 'keyHash', 'scorecard'])
    assert.ok(!text.includes(secret), `the listing leaks ${secret}`);

  // Title search, and everything newest first; paging by cursor covers both exactly once.
  assert.deepEqual((await interviews('?q=frontend')).body.interviews.map((r) => r.sessionId), [other.sessionId]);
  const first = (await interviews('?limit=1')).body;
  assert.equal(first.interviews[0].sessionId, s.sessionId);
  assert.equal(typeof first.next, 'string');
  const second = (await interviews(`?limit=1&cursor=${encodeURIComponent(first.next)}`)).body;
  assert.deepEqual(second.interviews.map((r) => r.sessionId), [other.sessionId]);
  assert.equal(second.next, null);

  // What a candidate sees never carries the listing's fields.
  const info = await (await fetch(`${roomd.url}/api/sessions/${s.sessionId}`)).json();
  for (const k of ['candidates', 'interviewers', 'summary', 'startedAt', 'endedAt'])
    assert.ok(!(k in info), `GET /api/sessions/<id> has ${k}`);
  for (const m of cal.seen) {
    const t = JSON.stringify(m);
    assert.ok(!t.includes('a private note') && !t.includes('"interviewers"') && !t.includes('"candidates"'), t);
  }
});

test('the listing refuses without the admin token and checks its arguments', async () => {
  const s = await create({ title: 'x' });
  let r = await interviews('', {});
  assert.equal(r.status, 401);
  assert.equal(r.body.error, 'unauthorized');
  r = await interviews('', { Authorization: `Bearer ${s.interviewerKey}` });
  assert.equal(r.status, 403);
  r = await interviews('', { Authorization: 'Bearer wrong' });
  assert.equal(r.status, 403);
  assert.equal((await interviews('?limit=0')).status, 400);
  assert.equal((await interviews('?limit=201')).status, 400);
  assert.equal((await interviews('?cursor=nonsense')).status, 400);
  assert.equal((await interviews('?q=%zz')).status, 400);
  const post = await fetch(`${roomd.url}/api/interviews`, { method: 'POST', headers: admin });
  assert.equal(post.status, 405);
});
