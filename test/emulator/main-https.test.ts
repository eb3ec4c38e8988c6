// `npm run emulator -- --https` and `-- --clients <file.json>`, run as a developer runs them.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ensureCertificates } from '../../src/emulator/certificates.ts';
import { readClientsFile } from '../../src/emulator/clients-file.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts', ...args], {
    cwd: ROOT, env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => { out.stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { out.stderr += chunk.toString(); });
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => { if (out.stdout.includes('demo user')) resolve(); });
    void exited.then(() => reject(new Error(`exited early: ${out.stderr}`)));
  });
  // Awaited only by the tests that expect it to start.
  ready.catch(() => {});
  return { child, out, exited, ready };
}

/** Exit 1, nothing on stdout, one line on stderr, and no stack trace. */
async function refused(script: ReturnType<typeof run>): Promise<string> {
  const [code] = await script.exited;
  expect(code).toBe(1);
  expect(script.out.stdout).toBe('');
  const lines = script.out.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/^\s+at /);
  return lines[0]!;
}

/** An authorization request's status and where it sends the browser. */
async function authorize(origin: string, clientId: string, redirectUri: string, pkce = true): Promise<[number, string | null]> {
  const url = new URL(`${origin}/emulator.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid',
    ...(pkce ? { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' } : {}),
  }).toString();
  const response = await fetch(url, { redirect: 'manual' });
  return [response.status, response.headers.get('location')];
}

function httpsStatus(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { ca, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('npm run emulator -- --https / --clients', () => {
  let temp: string;
  beforeEach(async () => { temp = await mkdtemp(join(tmpdir(), 'b2c-emulator-main-')); });
  afterEach(() => rm(temp, { recursive: true, force: true }));

  it('--https makes its CA in EMULATOR_CERT_DIR, prints where it is and the line a Node app needs, never a key; reuses it next time', async () => {
    const certDir = join(temp, 'certs');
    const first = run(['--https'], { EMULATOR_CERT_DIR: certDir });
    await first.ready;
    const caPath = join(certDir, 'ca.pem');
    const origin = /listening on (https:\/\/localhost:\d+)/.exec(first.out.stdout)?.[1];
    expect(origin).toBeDefined();
    expect(first.out.stdout).toContain(`${origin}/emulator.onmicrosoft.com/B2C_1_susi`);
    expect(first.out.stdout).toContain(`NODE_EXTRA_CA_CERTS=${caPath}\n`);
    expect(first.out.stdout).toContain(`trust ${caPath} as a root certificate authority`);
    expect(first.out.stdout).toContain(`certificates:     ${certDir} `);
    for (const key of ['ca-key.pem', 'localhost-key.pem']) {
      const body = (await readFile(join(certDir, key), 'utf8')).split('\n')[1]!;
      expect(first.out.stdout + first.out.stderr).not.toContain(body);
      expect((await stat(join(certDir, key))).mode & 0o777).toBe(0o600);
    }
    expect(first.out.stdout + first.out.stderr).not.toMatch(/PRIVATE KEY/);
    const ca = await readFile(caPath);
    expect(await httpsStatus(`${origin}/emulator.onmicrosoft.com/v2.0/.well-known/openid-configuration?p=B2C_1_susi`, ca)).toBe(200);
    first.child.kill('SIGTERM');
    expect((await first.exited)[0]).toBe(0);
    expect(first.out.stderr).toBe('');

    // EMULATOR_HTTPS=true is the same switch; the CA is the one made before.
    const second = run([], { EMULATOR_CERT_DIR: certDir, EMULATOR_HTTPS: 'true' });
    await second.ready;
    const again = /listening on (https:\/\/localhost:\d+)/.exec(second.out.stdout)?.[1];
    expect(await readFile(caPath)).toEqual(ca);
    expect(await httpsStatus(`${again}/tfp/emulator.onmicrosoft.com/B2C_1_susi/discovery/v2.0/keys`, ca)).toBe(200);
    second.child.kill('SIGTERM');
    expect((await second.exited)[0]).toBe(0);
  });

  it('a malformed or unreadable certificate is one line naming the file, not a stack trace', async () => {
    const certDir = join(temp, 'certs');
    await ensureCertificates(certDir);
    await writeFile(join(certDir, 'localhost.pem'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    expect(await refused(run(['--https'], { EMULATOR_CERT_DIR: certDir }))).toMatch(new RegExp(`^Cannot start the emulator: ${join(certDir, 'localhost.pem')} is not a PEM certificate`));
    await rm(join(certDir, 'ca.pem'));
    await mkdir(join(certDir, 'ca.pem'));
    expect(await refused(run([], { EMULATOR_CERT_DIR: certDir, EMULATOR_HTTPS: '1' }))).toBe(`Cannot start the emulator: cannot read ${join(certDir, 'ca.pem')}: EISDIR`);
  });

  it('--clients registers every application in the file, instead of the APP_* one', async () => {
    const file = join(temp, 'clients.json');
    await writeFile(file, JSON.stringify([
      { clientId: 'web-one', clientSecret: 's1', redirectUris: ['http://localhost:4001/auth/callback'], postLogoutRedirectUris: ['http://localhost:4001/'] },
      { clientId: 'web-two', clientSecret: 's2', redirectUris: ['http://localhost:4002/signin-oidc'] },
    ]));
    const script = run(['--clients', file], { APP_CLIENT_ID: 'from-env' });
    await script.ready;
    const origin = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(script.out.stdout)?.[1];
    expect(script.out.stdout).toContain('client id web-one, redirect URIs http://localhost:4001/auth/callback');
    expect(script.out.stdout).toContain('client id web-two, redirect URIs http://localhost:4002/signin-oidc');
    expect(await authorize(origin!, 'web-one', 'http://localhost:4001/auth/callback')).toEqual([303, expect.stringMatching(/\/api\//)]);
    expect(await authorize(origin!, 'web-two', 'http://localhost:4002/signin-oidc')).toEqual([303, expect.stringMatching(/\/api\//)]);
    expect((await authorize(origin!, 'web-two', 'http://localhost:4001/auth/callback'))[0]).toBe(400);
    expect((await authorize(origin!, 'from-env', 'http://localhost:3000/redirect'))[0]).toBe(400);
    // A web app that sends no PKCE challenge is served, as B2C serves it.
    expect(script.out.stdout).toContain('PKCE:             checked when sent, not required');
    expect(await authorize(origin!, 'web-one', 'http://localhost:4001/auth/callback', false)).toEqual([303, expect.stringMatching(/\/api\//)]);
    script.child.kill('SIGTERM');
    expect((await script.exited)[0]).toBe(0);
  });

  it('without --clients, registers the .env\'s application, LOGOUT_ENDPOINT\'s page to come back to included', async () => {
    const script = run([], {
      EMULATOR_REQUIRE_PKCE: 'true',
      APP_CLIENT_ID: 'tutorial-app', APP_CLIENT_SECRET: 'tutorial-secret', APP_REDIRECT_URI: 'http://localhost:4000/redirect',
      LOGOUT_ENDPOINT: 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/logout?post_logout_redirect_uri=http://localhost:4000/signed-out',
    });
    await script.ready;
    const origin = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(script.out.stdout)?.[1];
    expect(script.out.stdout).toContain('client id tutorial-app, redirect URIs http://localhost:4000/redirect');
    const logout = await fetch(`${origin}/emulator.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent('http://localhost:4000/signed-out')}`, { redirect: 'manual' });
    expect([logout.status, logout.headers.get('location')]).toEqual([302, 'http://localhost:4000/signed-out']);
    // EMULATOR_REQUIRE_PKCE=true: no challenge, no sign-in.
    const [status, location] = await authorize(origin!, 'tutorial-app', 'http://localhost:4000/redirect', false);
    expect([status, new URL(location!).searchParams.get('error')]).toEqual([303, 'invalid_request']);
    script.child.kill('SIGTERM');
    expect((await script.exited)[0]).toBe(0);
  });

  it.each([
    ['not JSON', '{', /^--clients .*clients\.json: not JSON/],
    ['an empty list', '[]', /^--clients .*clients\.json: expected a non-empty array/],
    ['no secret', '[{"clientId":"a","redirectUris":["http://localhost/cb"]}]', /clients\.json: entry 1 \(a\): clientSecret must be/],
    ['a relative redirect URI', '[{"clientId":"a","clientSecret":"s","redirectUris":["/cb"]}]', /clients\.json: entry 1 \(a\): redirectUris: "\/cb" is not an absolute URL/],
    ['no redirect URI', '[{"clientId":"a","clientSecret":"s","redirectUris":[]}]', /clients\.json: entry 1 \(a\): redirectUris must be a non-empty array/],
  ])('a clients file with %s is refused in one line naming the file', async (_name, content, message) => {
    const file = join(temp, 'clients.json');
    await writeFile(file, content);
    const error = await readClientsFile(file).then(() => undefined, (err: unknown) => err as Error);
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });

  it('refuses a bad or missing clients file in one line, and exit 1', async () => {
    const file = join(temp, 'clients.json');
    await writeFile(file, '{');
    expect(await refused(run(['--clients', file], {}))).toMatch(/^--clients .*clients\.json: not JSON/);
    expect(await refused(run(['--clients', join(temp, 'none.json')], {}))).toMatch(/none\.json: cannot read it \(ENOENT\)/);
  });

  it('refuses an unknown option and EMULATOR_HTTPS=maybe in one line, and exit 1', async () => {
    expect(await refused(run(['--http'], {}))).toMatch(/^npm run emulator: Unknown option '--http'/);
    expect(await refused(run([], { EMULATOR_HTTPS: 'maybe' }))).toMatch(/^EMULATOR_HTTPS must be true or false/);
  });
});
