// A real OpenID Connect provider on loopback for the OIDC tests: Debian's glewlwyd (tools/bootstrap
// installs it) with a sqlite database made from its shipped schema, an OIDC plugin instance that
// signs ID tokens with RS256 (a fresh 2048-bit key each run), PKCE allowed, and a replayed code
// revoking its tokens. Configured through glewlwyd's own admin REST API, as an operator would.
//
//   const idp = await startGlewlwyd();
//   await idp.addClient({ clientId, secret, redirectUri });
//   await idp.addUser({ username, password, name, email });
//   const jar = await idp.signInUser(username, password, clientId); // the user's session cookie
//   await idp.stop();
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SCHEMA = '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz';
const WEBAPP = '/usr/share/glewlwyd/webapp';
const WEBAPP_CONFIG = fs.existsSync('/etc/glewlwyd/config-2.7.json/config.json') ? '/etc/glewlwyd/config-2.7.json/config.json' : '/etc/glewlwyd/config-2.7.json';
export const GLEWLWYD_BIN = process.env.GLEWLWYD_BIN || '/usr/bin/glewlwyd';

/** Why glewlwyd cannot run here, or null. */
export function glewlwydMissing() {
  if (!fs.existsSync(GLEWLWYD_BIN)) return `${GLEWLWYD_BIN} missing (apt-get install glewlwyd; tools/bootstrap does)`;
  if (!fs.existsSync(SCHEMA)) return `${SCHEMA} missing`;
  if (!fs.existsSync(path.join(WEBAPP, 'login.html'))) return `${WEBAPP}/login.html missing`;
  for (const tool of ['sqlite3', 'openssl']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} missing`;
    }
  }
  return null;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** The value of a Set-Cookie pair as "name=value" pairs for a Cookie header. */
function cookiesOf(res) {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

export async function startGlewlwyd() {
  const missing = glewlwydMissing();
  if (missing) throw new Error(missing);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'glewlwyd-'));
  const db = path.join(tmp, 'glewlwyd.sqlite');
  execFileSync('sh', ['-c', `zcat '${SCHEMA}' | sqlite3 '${db}'`]);
  // glewlwyd's own web pages (login, consent), served by glewlwyd itself: a copy of Debian's
  // webapp with a config.json whose URLs are relative to this server (Debian's config.json is
  // a symlink to a directory of /etc/glewlwyd).
  const webapp = path.join(tmp, 'webapp');
  fs.mkdirSync(webapp);
  for (const entry of fs.readdirSync(WEBAPP)) if (entry !== 'config.json') fs.cpSync(path.join(WEBAPP, entry), path.join(webapp, entry), { recursive: true, dereference: true });
  fs.writeFileSync(path.join(webapp, 'config.json'), fs.readFileSync(WEBAPP_CONFIG));
  execFileSync('openssl', ['genrsa', '-out', path.join(tmp, 'key.pem'), '2048'], { stdio: 'ignore' });
  execFileSync('openssl', ['rsa', '-in', path.join(tmp, 'key.pem'), '-pubout', '-out', path.join(tmp, 'pub.pem')], { stdio: 'ignore' });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  fs.writeFileSync(
    path.join(tmp, 'glewlwyd.conf'),
    `port=${port}
external_url="${base}"
login_url="login.html"
api_prefix="api"
log_mode="console"
log_level="INFO"
cookie_secure=0
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
use_secure_connection=false
secure_connection_key_file=""
secure_connection_pem_file=""
hash_algorithm="SHA512"
static_files_path="${webapp}/"
static_files_mime_types = (
  { extension = ".html"; mime_type = "text/html"; },
  { extension = ".css"; mime_type = "text/css"; },
  { extension = ".js"; mime_type = "application/javascript"; },
  { extension = ".json"; mime_type = "application/json"; },
  { extension = ".png"; mime_type = "image/png"; },
  { extension = ".woff"; mime_type = "font/woff"; },
  { extension = ".woff2"; mime_type = "font/woff2"; },
  { extension = ".ttf"; mime_type = "font/ttf"; },
  { extension = ".ico"; mime_type = "image/x-icon"; }
);
database = { type = "sqlite3"; path = "${db}"; };
`,
  );
  const proc = spawn(GLEWLWYD_BIN, [`--config-file=${path.join(tmp, 'glewlwyd.conf')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  let exited = null;
  proc.on('exit', (code, signal) => (exited = { code, signal }));
  const api = `${base}/api`;

  // The schema's administrator (admin / password): its session cookie for the admin API.
  let admin = null;
  const deadline = Date.now() + 30_000;
  while (!admin && Date.now() < deadline) {
    if (exited) throw new Error(`glewlwyd exited (${JSON.stringify(exited)}):\n${log}`);
    try {
      const r = await fetch(`${api}/auth/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'password' }) });
      if (r.status === 200) admin = cookiesOf(r);
    } catch {
      /* not listening yet */
    }
    if (!admin) await sleep(100);
  }
  if (!admin) throw new Error(`glewlwyd did not answer within 30 s:\n${log}`);

  async function adminCall(method, target, body) {
    const r = await fetch(api + target, { method, headers: { 'content-type': 'application/json', cookie: admin }, body: JSON.stringify(body) });
    if (r.status !== 200) throw new Error(`glewlwyd ${method} ${target}: ${r.status} ${await r.text()}`);
  }

  const issuer = `${api}/oidc`;
  await adminCall('POST', '/mod/plugin/', {
    module: 'oidc',
    name: 'oidc',
    display_name: 'OpenID Connect',
    enabled: true,
    parameters: {
      iss: issuer,
      'jwt-type': 'rsa',
      'jwt-key-size': '256',
      key: fs.readFileSync(path.join(tmp, 'key.pem'), 'utf8'),
      cert: fs.readFileSync(path.join(tmp, 'pub.pem'), 'utf8'),
      'code-duration': 600,
      'refresh-token-duration': 3600,
      'access-token-duration': 3600,
      'auth-type-code-enabled': true,
      'auth-type-refresh-enabled': true,
      'auth-type-code-revoke-replayed': true,
      'allowed-scope': ['openid', 'email', 'profile'],
      'pkce-allowed': true,
      'pkce-method-plain-allowed': false,
      'name-claim': 'mandatory',
      'email-claim': 'mandatory',
      'subject-type': 'public',
      'jwks-show': true,
    },
  });

  return {
    base,
    issuer,
    get log() {
      return log;
    },
    /** A confidential client (client_secret_basic or _post) allowed the code flow. */
    async addClient({ clientId, secret, redirectUri }) {
      await adminCall('POST', '/client/', {
        client_id: clientId,
        name: clientId,
        confidential: true,
        password: secret,
        redirect_uri: [redirectUri],
        authorization_type: ['code'],
        token_endpoint_auth_method: ['client_secret_basic', 'client_secret_post'],
        enabled: true,
        scope: [],
      });
    },
    async addUser({ username, password, name, email }) {
      await adminCall('POST', '/user/', { username, password, name, email, enabled: true, scope: ['openid'] });
    },
    /** Signs the user in at the provider and grants the client "openid" (the consent a person
     * clicks): the Cookie header of the provider session. */
    async signInUser(username, password, clientId) {
      const r = await fetch(`${api}/auth/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
      if (r.status !== 200) throw new Error(`glewlwyd sign-in of ${username}: ${r.status}`);
      const jar = cookiesOf(r);
      const g = await fetch(`${api}/auth/grant/${encodeURIComponent(clientId)}`, { method: 'PUT', headers: { 'content-type': 'application/json', cookie: jar }, body: JSON.stringify({ scope: 'openid' }) });
      if (g.status !== 200) throw new Error(`glewlwyd grant for ${clientId}: ${g.status}`);
      return jar;
    },
    async stop() {
      if (!exited) {
        proc.kill('SIGTERM');
        const t0 = Date.now();
        while (!exited && Date.now() - t0 < 5000) await sleep(25);
        if (!exited) proc.kill('SIGKILL');
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
