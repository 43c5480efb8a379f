// Sign-in with OpenID Connect (#21) against a real provider on loopback (glewlwyd,
// tests/e2e/lib/glewlwyd.mjs). In Chromium: the /signin page's "Sign in with Glewlwyd" button
// (GET /api/auth/providers), glewlwyd's own login and consent pages, back on roomd's start page
// signed in; no button without --oidc-issuer; --oidc-allowed-domain refusing a user outside the
// domain with a clear message and no session cookie while one inside signs in. Then black-box
// with an HTTP client that follows the redirects itself:
// roomd's /api/auth/oidc/start -> the provider's authorization endpoint (the user signed in there
// and consented, as a person would on its login page) -> roomd's callback -> signed in. Checks the
// account made from (iss, sub), a second sign-in reusing it, a wrong state, a replayed code and a
// replayed flow refused with a clear error, a provider that cannot be reached refusing to start,
// and no client secret, code, state or cookie in roomd's log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRoomd } from '../lib/roomd.mjs';
import { startGlewlwyd, glewlwydMissing } from '../lib/glewlwyd.mjs';
import { launch } from '../lib/browser.mjs';

const SECRET = 'oidc-client-secret-0123456789abcdef';
const secrets = new Set([SECRET]);
const ADMIN = 'oidc-test-admin-token-0123456789';
let idp, roomd, userJar, br;

const setCookies = (res) => res.headers.getSetCookie();
const cookieValue = (res, name) => {
  for (const c of setCookies(res)) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(c);
    if (m && m[1]) return m[1];
  }
  return null;
};

before(async () => {
  const missing = glewlwydMissing();
  if (missing) throw new Error(missing);
  idp = await startGlewlwyd();
  await idp.addUser({ username: 'alice', password: 'alice-password-123', name: 'Alice Liddell', email: 'alice@example.com' });
  await idp.addUser({ username: 'bob', password: 'bob-password-1234', name: 'Bob Browser', email: 'bob@example.com' });
  roomd = await startRoomd({
    env: { ROOMD_OIDC_CLIENT_SECRET: SECRET },
    extraArgs: ['--runner', 'none', '--log-level', 'debug', '--oidc-issuer', idp.issuer, '--oidc-client-id', 'roomd', '--oidc-name', 'Glewlwyd'],
  });
  await idp.addClient({ clientId: 'roomd', secret: SECRET, redirectUri: `${roomd.url}/api/auth/oidc/callback` });
  userJar = await idp.signInUser('alice', 'alice-password-123', 'roomd');
  br = await launch();
});
after(async () => {
  await br?.close();
  if (roomd) {
    const log = roomd.stderr;
    await roomd.stop();
    for (const s of secrets) assert.ok(!log.includes(s), `a secret is in roomd's log: ${s.slice(0, 6)}...`);
    assert.match(log, /signed in with OpenID Connect: alice@example.com \(new account\)/);
  }
  if (idp) await idp.stop();
});

/** /start, then the provider: the callback URL it redirects to and the rooms_oidc cookie. */
async function startFlow(r = roomd, jar = userJar, clientId = 'roomd') {
  const s = await fetch(`${r.url}/api/auth/oidc/start`, { redirect: 'manual' });
  assert.equal(s.status, 302);
  const flow = cookieValue(s, 'rooms_oidc');
  assert.match(flow, /^[0-9a-f]{64}$/);
  assert.match(setCookies(s).join('\n'), /rooms_oidc=[0-9a-f]{64}; Path=\/api\/auth\/oidc; Max-Age=600; HttpOnly; SameSite=Lax/);
  secrets.add(flow);
  const auth = new URL(s.headers.get('location'));
  assert.equal(auth.origin + auth.pathname, `${idp.issuer}/auth`);
  assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(auth.searchParams.get('client_id'), clientId);
  for (const k of ['state', 'nonce', 'code_challenge']) {
    assert.ok(auth.searchParams.get(k), k);
    secrets.add(auth.searchParams.get(k));
  }
  // g_continue: what glewlwyd's login page adds once the signed-in user clicks "continue".
  const p = await fetch(`${auth.href}&g_continue`, { headers: { cookie: jar }, redirect: 'manual' });
  assert.equal(p.status, 302);
  const cb = new URL(p.headers.get('location'));
  assert.equal(cb.origin + cb.pathname, `${r.url}/api/auth/oidc/callback`);
  assert.ok(cb.searchParams.get('code'), cb.href);
  secrets.add(cb.searchParams.get('code'));
  return { cb, flow };
}

async function callback(url, flow) {
  const r = await fetch(url, { headers: flow ? { cookie: `rooms_oidc=${flow}` } : {}, redirect: 'manual' });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* a redirect */
  }
  return { r, json };
}

async function me(cookie) {
  const r = await fetch(`${roomd.url}/api/auth/me`, { headers: { cookie: `rooms_session=${cookie}` } });
  return { status: r.status, json: await r.json() };
}

let firstUser;
test('the code flow with PKCE signs in and creates the account from (iss, sub)', async () => {
  const { cb, flow } = await startFlow();
  const { r } = await callback(cb.href, flow);
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), '/');
  const session = cookieValue(r, 'rooms_session');
  assert.match(session, /^[0-9a-f]{64}$/);
  secrets.add(session);
  assert.match(setCookies(r).join('\n'), /rooms_oidc=; Path=\/api\/auth\/oidc; Max-Age=0/);
  const m = await me(session);
  assert.equal(m.status, 200);
  secrets.add(m.json.csrfToken);
  firstUser = m.json.user;
  assert.equal(firstUser.login, 'alice@example.com');
  assert.equal(firstUser.displayName, 'Alice Liddell');
  assert.equal(firstUser.role, 'interviewer');
  assert.equal(firstUser.issuer, idp.issuer);
  assert.ok(firstUser.subject);
  // The flow is used once: the same callback again is refused.
  const again = await callback(cb.href, flow);
  assert.equal(again.r.status, 400);
  assert.match(again.json.message, /no sign-in is under way/);
});

test('a second sign-in reuses the account', async () => {
  const { cb, flow } = await startFlow();
  const { r } = await callback(cb.href, flow);
  assert.equal(r.status, 302);
  const session = cookieValue(r, 'rooms_session');
  secrets.add(session);
  const m = await me(session);
  assert.equal(m.json.user.id, firstUser.id);
  assert.equal(m.json.user.login, firstUser.login);
});

test('a wrong state is refused', async () => {
  const { cb, flow } = await startFlow();
  cb.searchParams.set('state', 'f'.repeat(64));
  const { r, json } = await callback(cb.href, flow);
  assert.equal(r.status, 400);
  assert.equal(json.error, 'bad_request');
  assert.match(json.message, /state does not match/);
  assert.equal(cookieValue(r, 'rooms_session'), null);
});

test('a callback without the flow cookie is refused', async () => {
  const { cb } = await startFlow();
  const { r, json } = await callback(cb.href, null);
  assert.equal(r.status, 400);
  assert.match(json.message, /no sign-in is under way/);
});

test('a replayed code is refused by the token endpoint', async () => {
  const first = await startFlow();
  const ok = await callback(first.cb.href, first.flow);
  assert.equal(ok.r.status, 302);
  secrets.add(cookieValue(ok.r, 'rooms_session'));
  // A new flow in the same browser, its callback carrying the old (spent) code.
  const second = await startFlow();
  const replay = new URL(second.cb.href);
  replay.searchParams.set('code', first.cb.searchParams.get('code'));
  const { r, json } = await callback(replay.href, second.flow);
  assert.equal(r.status, 401);
  assert.equal(json.error, 'unauthorized');
  assert.match(json.message, /token endpoint refused the code/);
});

test('a provider that cannot be reached stops roomd at start with a clear error', async () => {
  await assert.rejects(
    startRoomd({ env: { ROOMD_OIDC_CLIENT_SECRET: SECRET }, extraArgs: ['--runner', 'none', '--oidc-issuer', 'http://127.0.0.1:9/nowhere', '--oidc-client-id', 'roomd'] }),
    (e) => /OpenID Connect discovery failed: cannot reach http:\/\/127\.0\.0\.1:9\/nowhere\/\.well-known\/openid-configuration/.test(e.message),
  );
  await assert.rejects(
    startRoomd({ extraArgs: ['--runner', 'none', '--oidc-issuer', idp.issuer, '--oidc-client-id', 'roomd'] }),
    (e) => /ROOMD_OIDC_CLIENT_SECRET/.test(e.message),
  );
});

/** In Chromium: /signin, the provider's button, glewlwyd's login page and consent. */
async function signInWithButton(page, r, username, password) {
  await page.goto(`${r.url}/signin`);
  await page.waitForSelector('#signin-oidc');
  assert.equal(await page.textContent('#signin-oidc'), 'Sign in with Glewlwyd');
  await page.click('#signin-oidc');
  // glewlwyd's own login page (its webapp, served by glewlwyd), then its consent screen.
  await page.waitForURL((u) => u.href.startsWith(`${idp.base}/login.html`));
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#loginbut');
  await page.click('button[title="Continue to client application"]');
}

test('the /signin page has a "Sign in with Glewlwyd" button that signs in through glewlwyd in Chromium', async () => {
  const providers = await (await fetch(`${roomd.url}/api/auth/providers`)).json();
  assert.deepEqual(providers, { password: true, oidc: { name: 'Glewlwyd', startUrl: '/api/auth/oidc/start' } });
  const page = await br.newPage();
  await signInWithButton(page, roomd, 'bob', 'bob-password-1234');
  await page.waitForSelector('#signed-in-as');
  assert.equal(new URL(page.url()).href, `${roomd.url}/`);
  assert.equal(await page.textContent('#signed-in-as'), 'Bob Browser');
  const session = (await page.context().cookies(roomd.url)).find((c) => c.name === 'rooms_session');
  assert.ok(session?.httpOnly, 'signed in with an HttpOnly session cookie');
  secrets.add(session.value);
  const m = await me(session.value);
  assert.equal(m.json.user.login, 'bob@example.com');
  assert.equal(m.json.user.issuer, idp.issuer);
  secrets.add(m.json.csrfToken);
  await page.close();
});

test('without --oidc-issuer the /signin page has no provider button', async () => {
  const plain = await startRoomd({ extraArgs: ['--runner', 'none'] });
  try {
    assert.deepEqual(await (await fetch(`${plain.url}/api/auth/providers`)).json(), { password: true, oidc: null });
    const page = await br.newPage();
    await page.goto(`${plain.url}/signin`);
    await page.waitForSelector('#signin-form');
    await page.waitForLoadState('networkidle');
    assert.equal(await page.$('#signin-oidc'), null);
    await page.close();
  } finally {
    await plain.stop();
  }
});

test('--oidc-allowed-domain: outside the domain is refused with a clear message and no cookie; inside signs in', async () => {
  await idp.addUser({ username: 'mallory', password: 'mallory-password-1', name: 'Mallory', email: 'mallory@elsewhere.org' });
  await idp.addUser({ username: 'eve', password: 'eve-password-12345', name: 'Eve', email: 'eve@notexample.com' });
  const strict = await startRoomd({
    env: { ROOMD_OIDC_CLIENT_SECRET: SECRET, ROOMD_ADMIN_TOKEN: ADMIN },
    extraArgs: ['--runner', 'none', '--oidc-issuer', idp.issuer, '--oidc-client-id', 'roomd-strict', '--oidc-name', 'Glewlwyd', '--oidc-allowed-domain', 'example.com'],
  });
  try {
    await idp.addClient({ clientId: 'roomd-strict', secret: SECRET, redirectUri: `${strict.url}/api/auth/oidc/callback` });
    const refusal = /^OpenID Connect sign-in refused: the account's e-mail address is not a verified one of example\.com$/;

    // A person outside the domain, in Chromium: the callback page says why; no session cookie.
    const page = await br.newPage();
    const answer = page.waitForResponse((res) => res.url().startsWith(`${strict.url}/api/auth/oidc/callback`));
    await signInWithButton(page, strict, 'mallory', 'mallory-password-1');
    const res = await answer;
    assert.equal(res.status(), 403);
    assert.ok(!(res.headers()['set-cookie'] ?? '').includes('rooms_session='), 'no session cookie');
    const body = await res.json();
    assert.equal(body.error, 'forbidden');
    assert.match(body.message, refusal);
    await page.waitForFunction(() => document.body.textContent.includes('sign-in refused'));
    assert.match(await page.textContent('body'), /not a verified one of example\.com/);
    assert.equal((await page.context().cookies(strict.url)).filter((c) => c.name === 'rooms_session').length, 0);
    await page.close();

    // A domain that merely ends like it (HTTP client, following the redirects).
    const eve = await startFlow(strict, await idp.signInUser('eve', 'eve-password-12345', 'roomd-strict'), 'roomd-strict');
    const refused = await callback(eve.cb.href, eve.flow);
    assert.equal(refused.r.status, 403);
    assert.match(refused.json.message, refusal);
    assert.equal(cookieValue(refused.r, 'rooms_session'), null);

    // Inside the domain: signed in.
    const ok = await startFlow(strict, await idp.signInUser('alice', 'alice-password-123', 'roomd-strict'), 'roomd-strict');
    const signed = await callback(ok.cb.href, ok.flow);
    assert.equal(signed.r.status, 302);
    const session = cookieValue(signed.r, 'rooms_session');
    assert.match(session, /^[0-9a-f]{64}$/);
    const who = await fetch(`${strict.url}/api/auth/me`, { headers: { cookie: `rooms_session=${session}` } });
    assert.equal((await who.json()).user.login, 'alice@example.com');

    // Only the one inside the domain got an account.
    const users = await (await fetch(`${strict.url}/api/admin/users`, { headers: { authorization: `Bearer ${ADMIN}` } })).json();
    assert.deepEqual(users.users.map((u) => u.login), ['alice@example.com']);
    assert.match(strict.stderr, /OpenID Connect sign-in refused from .*not a verified one of example\.com/);
  } finally {
    await strict.stop();
  }
});
