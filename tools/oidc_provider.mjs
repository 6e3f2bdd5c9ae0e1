// A small OpenID Connect provider for the login tests and the sign-in demo, on panva's
// oidc-provider (OpenID-certified). It serves one client (the app) and a few users with
// passwords, on 127.0.0.1 only, and requests nothing from anywhere else.
//
//   node tools/oidc_provider.mjs SETTINGS.json
//
// SETTINGS.json: {"port": 0, "client_id": "geocrm", "client_secret": "...",
//   "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
//   "users": [{"email": "ana@example.com", "password": "...", "name": "Ana",
//              "email_verified": true}]}
// Port 0 takes a free port; the issuer is http://127.0.0.1:PORT. When it listens it prints
// one line, "ready <issuer>", so a caller can wait for it.
//
// The sign-in form is its own (the library's development forms accept any password): a
// wrong password shows the form again with a plain error. Consent is given at once (the
// app is the only client). ID tokens carry email, email_verified and name, since Streamlit
// builds st.user from the ID token alone. Signing out (RP-initiated logout) needs no
// confirmation click: the app's own Sign out button was the confirmation.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const HOST = '127.0.0.1';

function readSettings(argv) {
  if (argv.length !== 1) {
    console.error('usage: node tools/oidc_provider.mjs SETTINGS.json');
    process.exit(2);
  }
  const settings = JSON.parse(fs.readFileSync(argv[0], 'utf8'));
  for (const key of ['client_id', 'client_secret', 'redirect_uri', 'users']) {
    if (!settings[key]) {
      console.error(`settings: "${key}" is missing`);
      process.exit(2);
    }
  }
  return settings;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:3rem auto;max-width:22rem;color:#222}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00}
</style></head><body>${body}</body></html>`;
}

function loginForm(uid, email, error) {
  const shown = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '';
  return page('Sign in', `<h1>Sign in</h1>${shown}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" value="${escapeHtml(email)}" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`);
}

function sameSecret(given, expected) {
  // Compared as hashes in constant time, so the time taken says nothing about the password.
  const a = crypto.createHash('sha256').update(String(given)).digest();
  const b = crypto.createHash('sha256').update(String(expected)).digest();
  return crypto.timingSafeEqual(a, b);
}

async function formFields(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function buildProvider(issuer, settings) {
  const users = new Map(
    settings.users.map((u) => [String(u.email).trim().toLowerCase(), u]),
  );
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'k1' };

  const configuration = {
    clients: [{
      client_id: settings.client_id,
      client_secret: settings.client_secret,
      redirect_uris: [settings.redirect_uri],
      // Streamlit sends the same /oauth2callback as the address to return to after logout.
      post_logout_redirect_uris: [settings.redirect_uri],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The claims of the granted scopes go into the ID token too (not only userinfo).
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          const confirmed = form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>');
          ctx.body = page('Signing out', `${confirmed}<p>Signing out&hellip;</p>
<noscript><button type="submit" form="op.logoutForm">Sign out</button></noscript>
<script>document.getElementById('op.logoutForm').submit();</script>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<h1>Signed out</h1><p>You are signed out.</p>');
        },
      },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: sub,
            email_verified: user.email_verified !== false,
            name: user.name || sub,
          };
        },
      };
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<h1>Sign-in error</h1><p>${escapeHtml(out.error)}: ${escapeHtml(out.error_description || '')}</p>`);
    },
  };
  const provider = new Provider(issuer, configuration);

  async function finish(ctx, result, mergeWithLastSubmission) {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission,
    });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  async function consent(ctx, details) {
    // The app is this provider's only client: what it asks for is granted at once.
    const { params, session, grantId } = details;
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    // Kept with the login just made: under prompt=login the request needs both at once.
    await finish(ctx, { consent: { grantId: await grant.save() } }, true);
  }

  provider.use(async (ctx, next) => {
    if (ctx.path === '/favicon.ico') {
      ctx.status = 204;
      return undefined;
    }
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(ctx.path);
    if (!match) return next();
    ctx.set('cache-control', 'no-store');
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== match[1]) ctx.throw(400, 'this sign-in has expired');
    if (details.prompt.name === 'consent') return consent(ctx, details);
    if (!match[2] || ctx.method !== 'POST') {
      ctx.type = 'html';
      ctx.body = loginForm(details.uid, details.params.login_hint || '', '');
      return undefined;
    }
    const fields = await formFields(ctx.req);
    const email = (fields.get('email') || '').trim().toLowerCase();
    const user = users.get(email);
    if (!user || !sameSecret(fields.get('password') || '', user.password)) {
      ctx.type = 'html';
      ctx.body = loginForm(details.uid, email, 'Wrong email or password.');
      return undefined;
    }
    return finish(ctx, { login: { accountId: email } }, false);
  });
  return provider;
}

const settings = readSettings(process.argv.slice(2));
let handler = (req, res) => {
  res.statusCode = 503;
  res.end();
};
const server = http.createServer((req, res) => handler(req, res));
server.listen(Number(settings.port || 0), HOST, () => {
  const issuer = `http://${HOST}:${server.address().port}`;
  const provider = buildProvider(issuer, settings);
  handler = provider.callback();
  console.log(`ready ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
