// Interviews an account joined (issue #21), against a real roomd: account A creates an interview,
// account B joins it over the WebSocket with the interviewer key while signed in (the
// rooms_session cookie on the upgrade), account C joins it as a candidate while signed in. The
// join event records B's account (never C's), B's GET /api/interviews lists it, C's does not;
// B opens /events, /state, /scorecards and the replay page (Chromium) without the key, C gets
// 403 and the page asks for the key, anonymous requests stay 401. A candidate in Chromium, whose
// every WebSocket frame and HTTP response body is recorded, and C's candidate socket never
// receive an account id or login. An import of the log lists the copy for B too, and an import
// whose candidate join carries an accountId is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs } from '../lib/browser.mjs';

const ADMIN = 'joined-test-admin-token-0123456789';
const PASSWORD = 'correct horse battery staple';
let roomd, br;
const sockets = [];
const users = {};

async function call(method, target, { body, cookie, csrf, token } = {}) {
  const h = {};
  if (body !== undefined) h['content-type'] = 'application/json';
  if (cookie) h.cookie = `rooms_session=${cookie}`;
  if (csrf) h['x-csrf-token'] = csrf;
  if (token) h.authorization = `Bearer ${token}`;
  const res = await fetch(roomd.url + target, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, json };
}

async function addAndSignIn(login, role = 'interviewer') {
  const made = await call('POST', '/api/admin/users', { token: ADMIN, body: { login, password: PASSWORD, role } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const res = await fetch(`${roomd.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: PASSWORD }) });
  assert.equal(res.status, 200);
  const cookie = /^rooms_session=([0-9a-f]{64});/.exec(res.headers.get('set-cookie'))?.[1];
  const { csrfToken } = await res.json();
  return { id: made.json.user.id, login, cookie, csrf: csrfToken };
}

/** A joined socket (the cookie on the upgrade when given) that records every frame it receives. */
async function join(sessionId, { name, role, key, cookie, extra = {} }) {
  const ws = new WebSocket(`${roomd.url.replace('http', 'ws')}/ws/${sessionId}`, cookie ? { headers: { cookie: `rooms_session=${cookie}` } } : {});
  sockets.push(ws);
  const raw = [];
  let resolveState;
  const state = new Promise((r) => (resolveState = r));
  ws.on('message', (d) => {
    raw.push(String(d));
    if (JSON.parse(String(d)).type === 'session_state') resolveState();
  });
  await new Promise((res, rej) => (ws.once('open', res), ws.once('error', rej)));
  ws.send(JSON.stringify({ type: 'join_session', name, role, ...(key ? { key } : {}), ...extra }));
  await state;
  return { ws, raw };
}

const listed = async (u) => (await call('GET', '/api/interviews', { cookie: u.cookie })).json.interviews.map((r) => r.sessionId);

before(async () => {
  roomd = await startRoomd({ env: { ROOMD_ADMIN_TOKEN: ADMIN }, extraArgs: ['--runner', 'none'] });
  for (const login of ['alice@example.com', 'bob@example.com', 'carol@example.com']) users[login[0]] = await addAndSignIn(login);
  users.d = await addAndSignIn('dora@example.com', 'admin');
  br = await launch();
});
after(async () => {
  for (const ws of sockets) ws.terminate();
  await br?.close();
  await roomd?.stop();
});

let s; // the interview A created, with B and C in it
let candidateBytes = [];

test('an account that joined as interviewer lists the interview; a candidate join never records one', async () => {
  const { a, b, c } = users;
  const created = await call('POST', '/api/sessions', { cookie: a.cookie, csrf: a.csrf, body: { title: 'Joined by accounts' } });
  assert.equal(created.status, 201);
  s = created.json;
  assert.deepEqual(await listed(b), []);

  // The candidate, in Chromium with no account: every frame and every response body it gets.
  const page = await br.newPage();
  const bodies = [];
  page.on('response', async (r) => bodies.push(await r.text().catch(() => '')));
  await page.goto(`${roomd.url}/room/${s.sessionId}`);
  await joinAs(page, 'Cleo Candidate');

  await join(s.sessionId, { name: 'Bea', role: 'interviewer', key: s.interviewerKey, cookie: b.cookie });
  // C is signed in but joins as a candidate, and tries to smuggle an account in the message.
  const cSock = await join(s.sessionId, { name: 'Carl', role: 'candidate', cookie: c.cookie, extra: { accountId: c.id } });
  await page.waitForFunction(() => document.body.textContent.includes('Carl'));

  const events = (await call('GET', `/api/sessions/${s.sessionId}/events`, { token: ADMIN })).json.events;
  const joins = events.filter((e) => e.type === 'participant_joined');
  assert.deepEqual(
    joins.map((e) => [e.participant.name, e.accountId]),
    [['Cleo Candidate', undefined], ['Bea', b.id], ['Carl', undefined]],
  );

  assert.deepEqual(await listed(a), [s.sessionId]);
  assert.deepEqual(await listed(b), [s.sessionId]);
  assert.deepEqual(await listed(c), []);
  assert.ok((await listed(users.d)).includes(s.sessionId), 'an admin account lists everyone');

  // Everything the candidates received: no account id, no login.
  const info = await call('GET', `/api/sessions/${s.sessionId}`);
  candidateBytes = [...page.framesReceived, ...bodies, ...cSock.raw, JSON.stringify(info.json)];
  assert.ok(page.framesReceived.some((f) => f.includes('"Bea"')), 'the candidate saw the interviewer join');
  const all = candidateBytes.join('\n');
  for (const u of [a, b, c]) {
    assert.ok(!all.includes(u.id), `a candidate received account id ${u.id}`);
    assert.ok(!all.includes(u.login), `a candidate received login ${u.login}`);
  }
  assert.ok(!all.includes('accountId') && !all.includes('createdBy'), 'a candidate received an account field');
  await page.close();
});

test('a listed account opens /events, /state, /scorecards without the key; others 403, anonymous 401', async () => {
  const { a, b, c, d } = users;
  for (const route of ['events', 'state', 'scorecards']) {
    const target = `/api/sessions/${s.sessionId}/${route}`;
    for (const u of [a, b, d]) assert.equal((await call('GET', target, { cookie: u.cookie })).status, 200, `${u.login} ${route}`);
    const refused = await call('GET', target, { cookie: c.cookie });
    assert.equal(refused.status, 403, route);
    assert.equal(refused.json.error, 'forbidden');
    assert.match(refused.json.message, /not listed for your account/);
    assert.equal((await call('GET', target)).status, 401, `anonymous ${route}`);
    // C with the key: the key still opens it; B with a wrong key: the token decides, not the cookie.
    assert.equal((await call('GET', target, { token: s.interviewerKey })).status, 200);
    const h = { cookie: `rooms_session=${b.cookie}`, authorization: 'Bearer wrong' };
    assert.equal((await fetch(roomd.url + target, { headers: h })).status, 403);
  }
  // Writes are not widened: a fork still needs the key.
  const fork = await call('POST', `/api/sessions/${s.sessionId}/fork`, { cookie: b.cookie, csrf: b.csrf, body: {} });
  assert.equal(fork.status, 401);
});

test('the replay page opens for a listed account without the key and asks others for it', async () => {
  const asUser = async (u) => {
    const page = await br.newPage();
    const host = new URL(roomd.url).hostname;
    await page.context().addCookies([{ name: 'rooms_session', value: u.cookie, domain: host, path: '/', httpOnly: true, sameSite: 'Lax' }]);
    await page.goto(`${roomd.url}/replay/${s.sessionId}`);
    return page;
  };
  const bob = await asUser(users.b);
  await bob.waitForSelector('#replay-editor .cm-content');
  assert.equal(await bob.$('#fork-button'), null, 'no fork without the key');
  const carol = await asUser(users.c);
  await carol.waitForSelector('#replay-need-key');
  await bob.close();
  await carol.close();
});

test('an import folds accountId alike: listed for the account; refused on a candidate join', async () => {
  const { b } = users;
  const events = (await call('GET', `/api/sessions/${s.sessionId}/events`, { token: ADMIN })).json.events;
  const exportOf = (sessionId, evs) =>
    [JSON.stringify({ type: 'session', format: 1, sessionId, createdAt: s.createdAt, language: s.language, title: s.title, keyHash: '0'.repeat(64) }), ...evs.map((e) => JSON.stringify(e))].join('\n') + '\n';
  const post = (body) => fetch(`${roomd.url}/api/admin/import`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body });
  const copy = crypto.randomUUID();
  const imported = await post(exportOf(copy, events));
  assert.equal(imported.status, 201, await imported.text());
  assert.ok((await listed(b)).includes(copy), 'the imported interview is listed for the account that joined');

  const forged = events.map((e) => (e.type === 'participant_joined' && e.participant.role === 'candidate' ? { ...e, accountId: b.id } : e));
  const refused = await post(exportOf(crypto.randomUUID(), forged));
  assert.equal(refused.status, 400);
  assert.match((await refused.json()).message, /only an interviewer's join carries an accountId/);
});
