// A real OpenID Connect provider (the certified `oidc-provider` package) for local runs and tests.
// It is NOT part of the product: the bank's own identity provider takes its place in production.
//
//   node server.mjs --port 3100 --state DIR --redirect-uri URL [--redirect-uri URL ...]
//
// It signs in the demo users in users.json through a small login page of its own, puts their
// `groups` in the ID token, grants the SettleDesk client without a consent screen, and keeps its
// signing key in DIR so the portal's cached JWKS stays valid across restarts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Provider from 'oidc-provider';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2));
const port = Number(args.port?.[0] ?? 3100);
const issuer = `http://127.0.0.1:${port}`;
const stateDir = args.state?.[0] ?? path.join(here, '..', '.local', 'idp');
const redirectUris = args['redirect-uri'] ?? ['http://127.0.0.1:3000/auth/callback'];
const { users, password } = JSON.parse(fs.readFileSync(path.join(here, 'users.json'), 'utf8'));

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    (out[key] ??= []).push(argv[i + 1]);
  }
  return out;
}

// The signing key and cookie keys persist in the state directory.
function loadState() {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = path.join(stateDir, 'keys.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const state = {
    jwk: { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' },
    cookieKeys: [crypto.randomBytes(32).toString('hex')],
  };
  fs.writeFileSync(file, JSON.stringify(state), { mode: 0o600 });
  return state;
}
const state = loadState();

const SCOPES = 'openid profile email groups';

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'settledesk',
      client_secret: 'settledesk-local-client-secret',
      redirect_uris: redirectUris,
      post_logout_redirect_uris: redirectUris.map((uri) => new URL('/auth/signed-out', uri).href),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [state.jwk] },
  cookies: { keys: state.cookieKeys },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
    groups: ['groups'],
  },
  // Put the requested claims (groups among them) in the ID token, not only in userinfo.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true, logoutSource },
  },
  ttl: { Session: 12 * 3600, Interaction: 600, Grant: 12 * 3600, IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60 },
  async findAccount(_ctx, id) {
    const user = users.find((u) => u.username === id);
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: user.name, preferred_username: id, email: user.email, groups: user.groups };
      },
    };
  },
  // SettleDesk is a first-party client: grant what it asks for, without a consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    const grant = grantId
      ? await ctx.oidc.provider.Grant.find(grantId)
      : new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(SCOPES);
    await grant.save();
    return grant;
  },
});

async function logoutSource(ctx, form) {
  ctx.body = page('Sign out', `
    <h1>Sign out of the identity provider?</h1>
    ${form}
    <button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
    <button type="submit" form="op.logoutForm">Stay signed in here</button>`);
}

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Bank identity provider (local)</title>
<style>
body{font-family:system-ui,sans-serif;background:#eef1f4;color:#1b2430;margin:0}
main{max-width:24rem;margin:4rem auto;background:#fff;border:1px solid #cfd6de;border-radius:8px;padding:1.5rem 2rem}
h1{font-size:1.25rem;margin-top:0}label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #7d8893;border-radius:5px}
button{margin-top:1rem;padding:.55rem 1rem;font:inherit;font-weight:600;border-radius:5px;border:1px solid #08558f;background:#08558f;color:#fff;cursor:pointer}
button[value=""],a.cancel{background:#fff;color:#08558f}
.alert{background:#fdecec;color:#a4161a;border:1px solid #e9b3b3;padding:.5rem .75rem;border-radius:5px}
.hint{font-size:.85rem;color:#4f5b69;margin-top:1.5rem}:focus-visible{outline:3px solid #f2a900;outline-offset:2px}
</style></head><body><main>${body}</main></body></html>`;
}

function loginPage(uid, { error, username = '' } = {}) {
  const demo = users.map((u) => `${escapeHtml(u.username)} (${escapeHtml(u.groups.join(', ') || 'no groups')})`).join(', ');
  return page('Sign in', `
    <h1>Sign in to continue to SettleDesk</h1>
    ${error ? `<p class="alert" role="alert">${escapeHtml(error)}</p>` : ''}
    <form method="post" action="/interaction/${uid}/login" autocomplete="off">
      <label for="username">Username</label>
      <input id="username" name="username" required value="${escapeHtml(username)}" autofocus>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" required>
      <button type="submit">Sign in</button>
    </form>
    <form method="post" action="/interaction/${uid}/abort"><button type="submit" class="cancel" value="">Cancel</button></form>
    <p class="hint">Local demo provider. Users: ${demo}. Password: <code>${escapeHtml(password)}</code>.</p>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return Object.fromEntries(new URLSearchParams(body));
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Error', '<p role="alert">This sign-in link is not valid.</p>'));
  if (req.method === 'GET' && !action) {
    return send(res, 200, loginPage(uid));
  }
  if (req.method === 'POST' && action === 'login') {
    const { username = '', password: given = '' } = await readForm(req);
    const user = users.find((u) => u.username === username);
    const ok = user && given.length === password.length
      && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(password));
    if (!ok) return send(res, 401, loginPage(uid, { error: 'Wrong username or password.', username }));
    return provider.interactionFinished(req, res, { login: { accountId: user.username } }, { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'The user cancelled the sign-in.',
    }, { mergeWithLastSubmission: false });
  }
  return send(res, 405, page('Error', '<p role="alert">Not allowed.</p>'));
}

const oidc = provider.callback();
const server = http.createServer(async (req, res) => {
  const match = new URL(req.url, issuer).pathname.match(/^\/interaction\/([\w-]+)(?:\/(login|abort))?$/);
  if (!match) return oidc(req, res);
  try {
    await interaction(req, res, match[1], match[2]);
  } catch (err) {
    console.error('interaction failed:', err.message);
    send(res, 400, page('Error', '<p role="alert">This sign-in has expired. Go back to SettleDesk and sign in again.</p>'));
  }
});
server.listen(port, '127.0.0.1', () => console.log(`identity provider listening on ${issuer}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
