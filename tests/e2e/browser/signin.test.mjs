// The sign-in page in Chromium against a roomd with --require-sign-in: the start page sends an
// anonymous visitor to /signin; a wrong password says so and sets no cookie; the right one lands
// on the start page, which names the account; an interview is created there (the web app sends
// the CSRF token with the cookie); sign-out returns to /signin. A candidate's link still opens
// the room without any account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRoomd } from '../lib/roomd.mjs';
import { launch, joinAs } from '../lib/browser.mjs';

const ADMIN = 'signin-test-admin-token-0123456789';
const PASSWORD = 'correct horse battery staple';
let roomd, br;

before(async () => {
  roomd = await startRoomd({ env: { ROOMD_ADMIN_TOKEN: ADMIN }, extraArgs: ['--runner', 'none', '--require-sign-in'] });
  const r = await fetch(`${roomd.url}/api/admin/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ login: 'ada', displayName: 'Ada Lovelace', password: PASSWORD }),
  });
  assert.equal(r.status, 201);
  br = await launch();
});
after(async () => {
  await br?.close();
  await roomd?.stop();
});

test('sign in, create an interview, sign out; a candidate link needs no account', async () => {
  const page = await br.newPage();
  await page.goto(roomd.url + '/');
  await page.waitForURL(/\/signin$/);
  await page.fill('#signin-login', 'ada');
  await page.fill('#signin-password', 'not the password');
  await page.click('#signin-button');
  await page.waitForSelector('#signin-error:not([hidden])');
  assert.equal(await page.textContent('#signin-error'), 'Wrong login or password.');
  assert.equal((await page.context().cookies()).length, 0);

  await page.fill('#signin-password', PASSWORD);
  await page.click('#signin-button');
  await page.waitForSelector('#signed-in-as');
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await page.textContent('#signed-in-as'), 'Ada Lovelace');
  const [cookie] = await page.context().cookies();
  assert.equal(cookie.name, 'rooms_session');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Lax');
  assert.equal(await page.evaluate(() => document.cookie), '', 'no script reads the cookie');

  await page.click('#start-button');
  await page.waitForSelector('#candidate-link');
  const candidateUrl = await page.inputValue('#candidate-link');

  await page.click('#signout-button');
  await page.waitForURL(/\/signin$/);

  const candidate = await br.newPage();
  await candidate.goto(candidateUrl);
  await joinAs(candidate, 'Cal');
  await candidate.close();
  await page.close();
});
