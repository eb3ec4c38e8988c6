// `npm run emulator -- --external-id` (and EMULATOR_MODE=external-id), run as a developer runs it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { EXTERNAL_ID_TENANT_ID } from '../../src/emulator/index.ts';
import { Browser } from '../support/browser.ts';
import { expectRefusedNaming, printed } from '../support/script.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts', ...args], {
    cwd: ROOT, env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => { out.stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { out.stderr += chunk.toString(); });
  return { child, out, exited: once(child, 'exit') as Promise<[number | null, string | null]> };
}

/** Stops it with SIGTERM: exit 0, nothing on stderr. */
async function stopped(script: ReturnType<typeof run>): Promise<void> {
  script.child.kill('SIGTERM');
  const [code] = await script.exited;
  expect(code).toBe(0);
  expect(script.out.stderr).toBe('');
}

const line = (stdout: string, label: string): string | undefined =>
  new RegExp(`^  ${label}:\\s+(\\S+)`, 'm').exec(stdout)?.[1];

describe('src/emulator/main.ts --external-id', () => {
  it('prints the one authority, tenant id, issuer, demo user and API scope; serves them; logs each one-time code on its own line', async () => {
    const script = run(['--external-id'], { APP_CLIENT_ID: 'from-env', APP_REDIRECT_URI: 'http://localhost:3999/redirect' });
    await printed(script, 'demo user');
    const { stdout } = script.out;
    const origin = /Microsoft Entra External ID emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    expect(origin).toBeDefined();
    const authority = `${origin}/${EXTERNAL_ID_TENANT_ID}/v2.0`;
    expect(line(stdout, 'authority')).toBe(authority);
    expect(line(stdout, 'tenant id')).toBe(EXTERNAL_ID_TENANT_ID);
    expect(line(stdout, 'issuer')).toBe(authority);
    expect(stdout).toContain('demo@example.com / Passw0rd!');
    expect(stdout).toContain('scopes api://emulator-tasks-api/tasks.read api://emulator-tasks-api/tasks.write');
    expect(stdout).not.toMatch(/B2C_1_|profile edit|password reset:/);

    const metadata = (await (await fetch(`${authority}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(metadata.issuer).toBe(authority);

    // A password reset on the emulator's page: the code shows up in the emulator's own output.
    const verifier = 'v'.repeat(50);
    const authorize = new URL(metadata.authorization_endpoint!);
    authorize.search = new URLSearchParams({
      client_id: 'from-env', redirect_uri: 'http://localhost:3999/redirect', response_type: 'code', scope: 'openid',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    }).toString();
    const browser = new Browser({ stopAt: (url) => url.port === '3999' });
    await browser.get(authorize);
    await browser.submit('#next', { email: 'demo@example.com' });
    await browser.submit('#forgotPassword');
    const code = browser.text('#emulatorInboxCode');
    expect(code).toMatch(/^\d{8}$/);
    // Written before the page was answered; the pipe may bring it a little later.
    if (!script.out.stdout.includes('password-reset code')) await printed(script, 'password-reset code');
    expect(script.out.stdout).toContain(`entra external id emulator inbox: password-reset code ${code} for demo@example.com (no mail is sent)`);
    await stopped(script);
  });

  it('EMULATOR_MODE=external-id does the same, with EMULATOR_TENANT_ID as the tenant', async () => {
    const tenantId = '11111111-2222-4333-8444-555555555555';
    const script = run([], { EMULATOR_MODE: 'external-id', EMULATOR_TENANT_ID: tenantId });
    await printed(script, 'demo user');
    expect(line(script.out.stdout, 'tenant id')).toBe(tenantId);
    expect(line(script.out.stdout, 'authority')).toMatch(new RegExp(`/${tenantId}/v2\\.0$`));
    await stopped(script);
  });

  it('refuses EMULATOR_MODE other than b2c or external-id, and a tenant id that is not a GUID, in one line', async () => {
    await expectRefusedNaming(run([], { EMULATOR_MODE: 'entra' }), 'EMULATOR_MODE');
    const bad = run(['--external-id'], { EMULATOR_TENANT_ID: 'contoso' });
    const [code] = await bad.exited;
    expect(code).toBe(1);
    expect(bad.out.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^Cannot start the emulator: tenantId must be a GUID/)]);
  });

  it('combines with --https: the authority on https://localhost, trusted through the printed CA', async () => {
    const certDir = join(await mkdtemp(join(tmpdir(), 'external-id-main-')), 'certs');
    try {
      const script = run(['--external-id', '--https'], { EMULATOR_CERT_DIR: certDir });
      await printed(script, 'demo user');
      const authority = line(script.out.stdout, 'authority')!;
      expect(authority).toMatch(new RegExp(`^https://localhost:\\d+/${EXTERNAL_ID_TENANT_ID}/v2\\.0$`));
      const caPath = /NODE_EXTRA_CA_CERTS=(\S+)/.exec(script.out.stdout)?.[1];
      expect(caPath).toBe(join(certDir, 'ca.pem'));
      const ca = await readFile(caPath!);
      const body = await new Promise<string>((resolve, reject) => {
        get(`${authority}/.well-known/openid-configuration`, { ca, agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => { text += chunk; });
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(JSON.parse(body)).toMatchObject({ issuer: authority, token_endpoint: `${authority.replace(/\/v2\.0$/, '')}/oauth2/v2.0/token` });
      await stopped(script);
    } finally {
      await rm(join(certDir, '..'), { recursive: true, force: true });
    }
  });
});
