// The OpenID Connect provider the OIDC sign-in is tested against (tests/e2e/lib/glewlwyd.mjs):
// glewlwyd on loopback publishes its discovery document and JWKS, and runs the authorization code
// flow with PKCE (S256) for a confidential client, giving an RS256 ID token with the nonce.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startGlewlwyd } from '../lib/glewlwyd.mjs';

let idp;
const REDIRECT = 'http://127.0.0.1:9/api/auth/oidc/callback';
before(async () => {
  idp = await startGlewlwyd();
  await idp.addClient({ clientId: 'probe', secret: 'probe-client-secret', redirectUri: REDIRECT });
  await idp.addUser({ username: 'bob', password: 'bob-password-123', name: 'Bob', email: 'bob@example.com' });
});
after(async () => idp && idp.stop());

test('glewlwyd: discovery, code flow with PKCE, RS256 ID token', async () => {
  const conf = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
  assert.equal(conf.issuer, idp.issuer);
  assert.ok(conf.id_token_signing_alg_values_supported.includes('RS256'));
  const jwks = await (await fetch(conf.jwks_uri)).json();
  assert.ok(jwks.keys.some((k) => k.kty === 'RSA'));

  const jar = await idp.signInUser('bob', 'bob-password-123', 'probe');
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const q = new URLSearchParams({ response_type: 'code', client_id: 'probe', redirect_uri: REDIRECT, state: 's', nonce: 'n-123', code_challenge: challenge, code_challenge_method: 'S256', scope: 'openid email profile' });
  const r = await fetch(`${conf.authorization_endpoint}?${q}&g_continue`, { headers: { cookie: jar }, redirect: 'manual' });
  assert.equal(r.status, 302);
  const loc = new URL(r.headers.get('location'));
  const code = loc.searchParams.get('code');
  assert.ok(code, loc.href);
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT });
  const t = await fetch(conf.token_endpoint, { method: 'POST', body, headers: { authorization: 'Basic ' + Buffer.from('probe:probe-client-secret').toString('base64') } });
  assert.equal(t.status, 200);
  const tok = await t.json();
  const [h, p] = tok.id_token.split('.').slice(0, 2).map((s) => JSON.parse(Buffer.from(s, 'base64url')));
  assert.equal(h.alg, 'RS256');
  assert.equal(p.iss, idp.issuer);
  assert.equal(p.aud, 'probe');
  assert.equal(p.nonce, 'n-123');
  assert.equal(p.email, 'bob@example.com');
});
