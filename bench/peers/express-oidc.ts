// The benchmark's peer built on the most used Node OIDC middleware, auth0's express-openid-connect,
// configured for the same B2C user flow as this app: the code flow (with its PKCE, state and nonce)
// against the sign-up/sign-in authority's metadata over https, the same scopes (openid,
// offline_access and the web API's), the callback at /redirect, and a page that greets the person.
// Its session is its default: the tokens in an encrypted, rolling cookie. Written the way its README
// shows, nothing tuned; run by bench/run.ts in a process of its own, the CA in NODE_EXTRA_CA_CERTS.
import { createServer } from 'node:http';
import express from 'express';
import { auth } from 'express-openid-connect';
import { answerParent } from '../servers.ts';

export interface PeerSettings {
  port: number;
  clientId: string;
  clientSecret: string;
  sessionSecret: string;
  authority: string;
  apiScope: string;
}

const settings = JSON.parse(process.argv[2]!) as PeerSettings;
const origin = `http://localhost:${settings.port}`;

const escape = (value: unknown) =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const page = (nav: string, title: string) => `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Azure AD B2C sign-in</title></head>
<body>
<nav class="navbar navbar-expand-lg navbar-dark bg-primary"><div class="container"><a class="navbar-brand" href="/">Microsoft identity platform</a>${nav}</div></nav>
<main class="container py-4"><h1 class="h4">${title}</h1></main>
</body>
</html>`;

const app = express();
app.use(
  auth({
    // B2C's issuer is not the metadata's address: openid-client is given the document itself.
    issuerBaseURL: `${settings.authority}/v2.0/.well-known/openid-configuration`,
    baseURL: origin,
    clientID: settings.clientId,
    clientSecret: settings.clientSecret,
    // What B2C (and the emulator) register a web app's secret for.
    clientAuthMethod: 'client_secret_post',
    secret: settings.sessionSecret,
    // The home page is public; it offers a sign-in.
    authRequired: false,
    idpLogout: true,
    enableTelemetry: false,
    authorizationParams: { response_type: 'code', response_mode: 'query', scope: `openid offline_access ${settings.apiScope}` },
    routes: { login: '/signin', callback: '/redirect', logout: '/signout' },
  }),
);
app.get('/', (req, res) => {
  const user = req.oidc.user;
  const nav = user
    ? `<span class="navbar-text ms-auto">Hi ${escape(user.given_name ?? user.name)}</span><a class="btn btn-outline-light ms-2" href="/signout">Sign out</a>`
    : '<a id="SignIn" class="btn btn-light ms-auto" href="/signin">Sign in</a>';
  res.type('html').send(page(nav, user ? 'You have signed in' : 'Please sign in'));
});

const server = createServer(app);
await new Promise<void>((resolve, reject) => server.once('error', reject).listen(settings.port, 'localhost', resolve));
answerParent({}, async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
process.send!({ ready: { url: `${origin}/` } });
