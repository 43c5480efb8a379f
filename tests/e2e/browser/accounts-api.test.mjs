// Interviewer accounts, black-box (no browser): real roomds on loopback. Sign-in ok and refused
// (unknown login and wrong password answer alike), the cookie's attributes (Secure under TLS),
// CSRF on state-changing requests, a fresh cookie on every sign-in (the old one dead), logout,
// idle expiry, lock-out after 5 failures (logged, counted in /metrics), --require-sign-in
// refusing an anonymous create while candidates' links and interviewer keys keep working, and
// no password, cookie or CSRF token in roomd's log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { startRoomd } from '../lib/roomd.mjs';

const ADMIN = 'accounts-test-admin-token-0123456789';
const PASSWORD = 'correct horse battery staple';
// A password typed into the login field: not a valid login name, so never logged either.
const MISTYPED = 'Tr0ub4dor&3 Secret';
const secrets = new Set([PASSWORD, 'wrong password 12345', MISTYPED]); // grepped for in the log at the end
let open, strict;

async function startWithAdmin(extraArgs = []) {
  return startRoomd({ env: { ROOMD_ADMIN_TOKEN: ADMIN }, extraArgs: ['--runner', 'none', '--log-level', 'debug', ...extraArgs] });
}

async function call(r, method, target, { body, cookie, csrf, token, headers = {} } = {}) {
  const h = { ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  if (cookie) h.cookie = `rooms_session=${cookie}`;
  if (csrf) h['x-csrf-token'] = csrf;
  if (token) h.authorization = `Bearer ${token}`;
  const res = await fetch(r.url + target, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, setCookie: res.headers.get('set-cookie') };
}

async function addUser(r, login, role = 'interviewer') {
  const res = await call(r, 'POST', '/api/admin/users', { token: ADMIN, body: { login, password: PASSWORD, role, displayName: `User ${login}` } });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json.user;
}

/** Signs in; the cookie value and the CSRF token (both remembered as secrets). */
async function signIn(r, login, { password = PASSWORD, cookie } = {}) {
  const res = await call(r, 'POST', '/api/auth/login', { body: { login, password }, cookie });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const value = /^rooms_session=([0-9a-f]{64});/.exec(res.setCookie)?.[1];
  assert.ok(value, res.setCookie);
  secrets.add(value);
  secrets.add(res.json.csrfToken);
  return { cookie: value, csrf: res.json.csrfToken, res };
}

before(async () => {
  open = await startWithAdmin();
  strict = await startWithAdmin(['--require-sign-in']);
  await addUser(open, 'ada@example.com');
  await addUser(open, 'locky');
  await addUser(strict, 'ivy');
});
after(async () => {
  await open?.stop();
  await strict?.stop();
});

test('sign-in: ok with the cookie attributes, refused alike for unknown login and wrong password', async () => {
  const { cookie, csrf, res } = await signIn(open, 'ada@example.com');
  assert.match(csrf, /^[0-9a-f]{64}$/);
  assert.equal(res.json.user.login, 'ada@example.com');
  assert.equal(res.json.user.role, 'interviewer');
  assert.equal(res.json.user.passwordHash, undefined);
  const attrs = res.setCookie.split(';').map((s) => s.trim());
  assert.ok(attrs.includes('HttpOnly'), res.setCookie);
  assert.ok(attrs.includes('SameSite=Lax'), res.setCookie);
  assert.ok(attrs.includes('Path=/'), res.setCookie);
  assert.ok(attrs.includes('Max-Age=43200'), res.setCookie); // --sign-in-ttl 12h
  assert.ok(!attrs.includes('Secure'), 'plain HTTP: no Secure');
  const me = await call(open, 'GET', '/api/auth/me', { cookie });
  assert.equal(me.status, 200);
  assert.equal(me.json.user.login, 'ada@example.com');
  assert.equal(me.json.csrfToken, csrf);

  const wrong = await call(open, 'POST', '/api/auth/login', { body: { login: 'ada@example.com', password: 'wrong password 12345' } });
  const unknown = await call(open, 'POST', '/api/auth/login', { body: { login: 'nobody', password: 'wrong password 12345' } });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.deepEqual(wrong.json, unknown.json);
  const mistyped = await call(open, 'POST', '/api/auth/login', { body: { login: MISTYPED, password: 'wrong password 12345' } });
  assert.equal(mistyped.status, 401);
  assert.deepEqual(mistyped.json, wrong.json);
  assert.equal(wrong.json.error, 'unauthorized');
  assert.equal(wrong.setCookie, null);
  assert.equal((await call(open, 'POST', '/api/auth/login', { body: { login: 'ada@example.com' } })).status, 400);
  const anon = await call(open, 'GET', '/api/auth/me');
  assert.equal(anon.status, 401);
  assert.equal(anon.json.requireSignIn, false);
  assert.equal((await call(open, 'GET', '/api/auth/me', { cookie: 'f'.repeat(64) })).status, 401);
});

test('CSRF: a cookie-authenticated POST needs X-CSRF-Token; tokens and keys do not', async () => {
  const { cookie, csrf } = await signIn(open, 'ada@example.com');
  const bare = await call(open, 'POST', '/api/sessions', { cookie, body: {} });
  assert.equal(bare.status, 403);
  assert.equal(bare.json.error, 'forbidden');
  assert.match(bare.json.message, /X-CSRF-Token/);
  assert.equal((await call(open, 'POST', '/api/sessions', { cookie, csrf: 'a'.repeat(64), body: {} })).status, 403);
  assert.equal((await call(open, 'DELETE', '/api/questions/x', { cookie })).status, 403);
  const ok = await call(open, 'POST', '/api/sessions', { cookie, csrf, body: {} });
  assert.equal(ok.status, 201, JSON.stringify(ok.json));
  // The admin token and an interviewer key are not cookie sign-ins: unaffected.
  assert.equal((await call(open, 'POST', '/api/sessions', { token: ADMIN, cookie, body: {} })).status, 201);
  const fork = await call(open, 'POST', `/api/sessions/${ok.json.sessionId}/fork`, { token: ok.json.interviewerKey, body: {} });
  assert.equal(fork.status, 201, JSON.stringify(fork.json));
  // Anonymous creation is still open without --require-sign-in.
  assert.equal((await call(open, 'POST', '/api/sessions', { body: {} })).status, 201);
  // A signed-in account may write the question library (with the token).
  const q = await call(open, 'GET', '/api/questions', { cookie });
  assert.equal(q.status, 200, JSON.stringify(q.json));
});

test('rotation: every sign-in gets a fresh cookie and the replaced one is dead; logout ends it', async () => {
  const first = await signIn(open, 'ada@example.com');
  const second = await signIn(open, 'ada@example.com', { cookie: first.cookie });
  assert.notEqual(second.cookie, first.cookie);
  assert.notEqual(second.csrf, first.csrf);
  assert.equal((await call(open, 'GET', '/api/auth/me', { cookie: first.cookie })).status, 401);
  assert.equal((await call(open, 'GET', '/api/auth/me', { cookie: second.cookie })).status, 200);

  assert.equal((await call(open, 'POST', '/api/auth/logout', { cookie: second.cookie })).status, 403, 'logout needs the CSRF token');
  const out = await call(open, 'POST', '/api/auth/logout', { cookie: second.cookie, csrf: second.csrf });
  assert.equal(out.status, 204);
  assert.match(out.setCookie, /^rooms_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax$/);
  assert.equal((await call(open, 'GET', '/api/auth/me', { cookie: second.cookie })).status, 401);
});

test('removing an account or changing its password signs its browsers out at once', async () => {
  await addUser(open, 'temp');
  const a = await signIn(open, 'temp');
  const pw = await call(open, 'PUT', '/api/admin/users/temp/password', { token: ADMIN, body: { password: 'another long password' } });
  assert.equal(pw.status, 204);
  assert.equal((await call(open, 'GET', '/api/auth/me', { cookie: a.cookie })).status, 401);
  const b = await signIn(open, 'temp', { password: 'another long password' });
  secrets.add('another long password');
  assert.equal((await call(open, 'DELETE', '/api/admin/users/temp', { token: ADMIN })).status, 204);
  assert.equal((await call(open, 'GET', '/api/auth/me', { cookie: b.cookie })).status, 401);
  assert.equal((await call(open, 'DELETE', '/api/admin/users/temp', { token: ADMIN })).status, 404);
  assert.equal((await call(open, 'GET', '/api/admin/users', { cookie: b.cookie })).status, 401, 'a cookie is not the admin token');
});

test('--login-per-minute limits sign-in attempts per address', async () => {
  const r = await startWithAdmin(['--login-per-minute', '2']);
  try {
    const attempt = () => call(r, 'POST', '/api/auth/login', { body: { login: 'nobody', password: 'wrong password 12345' } });
    assert.equal((await attempt()).status, 401);
    assert.equal((await attempt()).status, 401);
    const third = await attempt();
    assert.equal(third.status, 429);
    assert.equal(third.json.error, 'rate_limited');
    assert.match(r.stderr, /sign-in refused: too many attempts from 127\.0\.0\.1/);
  } finally {
    await r.stop();
  }
});

test('lock-out: 5 failures lock the login (even the right password), logged and counted', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await call(open, 'POST', '/api/auth/login', { body: { login: 'locky', password: 'wrong password 12345' } });
    assert.equal(r.status, 401, `attempt ${i + 1}`);
  }
  const locked = await call(open, 'POST', '/api/auth/login', { body: { login: 'locky', password: PASSWORD } });
  assert.equal(locked.status, 429);
  assert.equal(locked.json.error, 'rate_limited');
  assert.equal(locked.setCookie, null);
  // Another login is not locked.
  await signIn(open, 'ada@example.com');
  const metrics = await (await fetch(`${open.url}/metrics`)).text();
  const value = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
  assert.equal(value('rooms_login_lockouts_total'), 1);
  assert.ok(value('rooms_login_failures_total') >= 5, metrics);
  assert.ok(value('rooms_logins_total') >= 1, metrics);
  assert.match(open.stderr, /locked for 15 minutes after 5 failed sign-ins/);
  assert.match(open.stderr, /sign-in refused: login locky is locked/);
});

test('--require-sign-in: anonymous create refused; accounts, the admin token, links and keys work', async () => {
  const anon = await call(strict, 'POST', '/api/sessions', { body: {} });
  assert.equal(anon.status, 401);
  assert.equal(anon.json.error, 'unauthorized');
  assert.equal((await call(strict, 'GET', '/api/auth/me')).json.requireSignIn, true);
  assert.equal((await call(strict, 'POST', '/api/sessions', { token: ADMIN, body: {} })).status, 201);
  const { cookie, csrf } = await signIn(strict, 'ivy');
  const me = await call(strict, 'GET', '/api/auth/me', { cookie });
  const created = await call(strict, 'POST', '/api/sessions', { cookie, csrf, body: { title: 'by ivy' } });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const s = created.json;

  // The interviewer key reads the history; the creator is recorded in session_created.
  const events = await call(strict, 'GET', `/api/sessions/${s.sessionId}/events`, { token: s.interviewerKey });
  assert.equal(events.status, 200);
  assert.equal(events.json.events[0].type, 'session_created', JSON.stringify(events.json.events[0]));
  assert.equal(events.json.events[0].createdBy, me.json.user.id, JSON.stringify(events.json.events[0]));
  assert.equal((await call(strict, 'GET', `/api/sessions/${s.sessionId}/state`, { token: s.interviewerKey })).status, 200);
  assert.equal((await call(strict, 'GET', `/api/sessions/${s.sessionId}`)).status, 200);

  // A candidate with the link alone joins, as today.
  const ws = new WebSocket(`${strict.url.replace('http', 'ws')}/ws/${s.sessionId}`);
  const frames = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise((res, rej) => ws.once('open', res).once('error', rej));
  ws.send(JSON.stringify({ type: 'join_session', name: 'Cal', role: 'candidate' }));
  const t0 = Date.now();
  while (!frames.some((m) => m.type === 'session_state') && Date.now() - t0 < 20000) await sleep(20);
  ws.terminate();
  assert.ok(frames.some((m) => m.type === 'session_state'), JSON.stringify(frames));
});

test('idle expiry: a sign-in unused for --sign-in-ttl is gone', async () => {
  const r = await startWithAdmin(['--sign-in-ttl', '1s']);
  try {
    await addUser(r, 'ada');
    const { cookie, res } = await signIn(r, 'ada');
    assert.match(res.setCookie, /Max-Age=1;/);
    assert.equal((await call(r, 'GET', '/api/auth/me', { cookie })).status, 200);
    await sleep(1300); // black box: the server's clock cannot be stepped from here
    assert.equal((await call(r, 'GET', '/api/auth/me', { cookie })).status, 401);
  } finally {
    await r.stop();
  }
});

test('over TLS the cookie is Secure', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomd-accounts-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const r = await startWithAdmin(['--tls-cert', cert, '--tls-key', key]);
  const { request } = await import('node:https');
  const https = (method, target, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = request(`${r.url}${target}`, { method, ca: fs.readFileSync(cert), headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode, setCookie: res.headers['set-cookie'], text }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  try {
    const added = await https('POST', '/api/admin/users', { login: 'ada', password: PASSWORD }, { authorization: `Bearer ${ADMIN}` });
    assert.equal(added.status, 201, added.text);
    const res = await https('POST', '/api/auth/login', { login: 'ada', password: PASSWORD });
    assert.equal(res.status, 200, res.text);
    const cookie = res.setCookie[0];
    secrets.add(/^rooms_session=([0-9a-f]+)/.exec(cookie)[1]);
    assert.ok(cookie.split(';').map((s) => s.trim()).includes('Secure'), cookie);
    assert.ok(cookie.includes('HttpOnly') && cookie.includes('SameSite=Lax'), cookie);
  } finally {
    await r.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the team's interviews: an interviewer lists what they created, an admin account everyone's", async () => {
  await addUser(open, 'lister-one');
  await addUser(open, 'lister-two');
  await addUser(open, 'lister-admin', 'admin');
  const one = await signIn(open, 'lister-one');
  const two = await signIn(open, 'lister-two');
  const admin = await signIn(open, 'lister-admin');
  const create = async (who, title) => {
    const res = await call(open, 'POST', '/api/sessions', { body: { title }, cookie: who.cookie, csrf: who.csrf });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return res.json.sessionId;
  };
  const mine = await create(one, 'Listing: one');
  const theirs = await create(two, 'Listing: two');
  const ids = async (who) => {
    const res = await call(open, 'GET', '/api/interviews?q=Listing%3A', { cookie: who.cookie });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json.interviews.map((r) => r.sessionId).sort();
  };
  assert.deepEqual(await ids(one), [mine]);
  assert.deepEqual(await ids(two), [theirs]);
  assert.deepEqual(await ids(admin), [mine, theirs].sort());
  const byToken = await call(open, 'GET', '/api/interviews?q=Listing%3A', { token: ADMIN });
  assert.equal(byToken.json.interviews.length, 2);
  assert.equal((await call(open, 'GET', '/api/interviews')).status, 401, 'nobody signed in');
});

test('no password, cookie or CSRF token in the logs', () => {
  assert.ok(secrets.size > 4);
  for (const r of [open, strict]) {
    assert.match(r.stderr, /signed in: /, 'the log is really being read');
    if (r === open) assert.match(r.stderr, /sign-in failed for \(an invalid login name\)/);
    for (const secret of secrets) assert.ok(!r.stderr.includes(secret), `a secret (${secret.slice(0, 6)}…) is in the log`);
  }
});
