// https mode as a client sees it: a real TLS handshake trusting the local CA and nothing else, the
// certificates' names and constraints, where and how they are kept, and what happens to bad ones.
import 'reflect-metadata';
import { X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ensureCertificates } from '../../src/emulator/certificates.ts';
import type { Emulator } from '../../src/emulator/index.ts';
import { CLIENT, start } from './fixtures.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

interface Answer { status: number; headers: IncomingHttpHeaders; body: string; peer: DetailedPeerCertificate }

/** One GET over https, trusting exactly `ca` (Node's own roots too when it is undefined). */
function httpsGet(url: string, ca?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    get(url, { ca, agent: false }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate(true);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, peer }));
    }).on('error', reject);
  });
}

const DAY_MS = 86_400_000;
const P256 = { name: 'ECDSA', namedCurve: 'P-256' };

async function pem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

describe('https mode', () => {
  let certDir: string;
  let emulator: Emulator | undefined;
  beforeEach(async () => {
    certDir = join(await mkdtemp(join(tmpdir(), 'b2c-emulator-https-')), 'certs');
  });
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
    await rm(join(certDir, '..'), { recursive: true, force: true });
  });

  it('serves https on localhost, reports every URL there, and is trusted through its CA alone', async () => {
    emulator = await start({ https: { certDir } });
    const { origin } = emulator;
    expect(origin).toMatch(/^https:\/\/localhost:\d+$/);
    expect(emulator.caCertPath).toBe(join(certDir, 'ca.pem'));
    expect(isAbsolute(emulator.caCertPath!)).toBe(true);
    expect(emulator.issuer).toMatch(new RegExp(`^${origin}/[0-9a-f-]{36}/v2\\.0/$`));
    expect(emulator.authority('B2C_1_susi')).toBe(`${origin}/emulator.onmicrosoft.com/B2C_1_susi`);

    const metadata = await emulator.metadata('B2C_1_susi');
    for (const name of ['authorization_endpoint', 'token_endpoint', 'end_session_endpoint', 'jwks_uri']) {
      expect(metadata[name], name).toMatch(new RegExp(`^${emulator.authority('B2C_1_susi')}/`));
    }
    const ca = await readFile(emulator.caCertPath!);
    const answer = await httpsGet(`${emulator.authority('B2C_1_susi')}/v2.0/.well-known/openid-configuration`, ca);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(metadata);
    // By IP address too: the certificate names 127.0.0.1.
    const port = new URL(origin).port;
    expect((await httpsGet(`https://127.0.0.1:${port}/emulator.onmicrosoft.com/B2C_1_susi/discovery/v2.0/keys`, ca)).status).toBe(200);
    // Without the CA the handshake fails: nothing is trusted that should not be.
    await expect(httpsGet(`${origin}/emulator.onmicrosoft.com/B2C_1_susi/discovery/v2.0/keys`)).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_(GET_ISSUER|VERIFY)/),
    });
  });

  it('presents a server certificate for localhost, 127.0.0.1 and ::1, from a real CA that can vouch for loopback only', async () => {
    emulator = await start({ https: { certDir } });
    const caPem = await readFile(emulator.caCertPath!, 'utf8');
    const { peer } = await httpsGet(`${emulator.origin}/emulator.onmicrosoft.com/B2C_1_susi/discovery/v2.0/keys`, Buffer.from(caPem));
    expect(peer.subjectaltname).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(peer.ext_key_usage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(peer.issuerCertificate.fingerprint256).toBe(new X509Certificate(caPem).fingerprint256);
    const lifetime = Date.parse(peer.valid_to) - Date.parse(peer.valid_from);
    expect(lifetime).toBeLessThanOrEqual(397 * DAY_MS);
    expect(Date.parse(peer.valid_to)).toBeGreaterThan(Date.now() + 300 * DAY_MS);

    const caCert = new x509.X509Certificate(caPem);
    expect(caCert.getExtension(x509.BasicConstraintsExtension)).toMatchObject({ ca: true, critical: true });
    const usage = caCert.getExtension(x509.KeyUsagesExtension)!.usages;
    expect(usage & x509.KeyUsageFlags.keyCertSign).toBeTruthy();
    expect(caCert.getExtension('2.5.29.30')).not.toBeNull();
    const server = new x509.X509Certificate(peer.raw);
    expect(server.getExtension(x509.BasicConstraintsExtension)).toMatchObject({ ca: false });
    expect(await server.verify({ publicKey: caCert.publicKey, signatureOnly: true })).toBe(true);
  });

  it('has a CA whose key could not vouch for another site: a certificate it signed for example.com is refused', async () => {
    const paths = await ensureCertificates(certDir);
    const caPem = await readFile(paths.caCertPath, 'utf8');
    const caKey = await webcrypto.subtle.importKey('pkcs8', createPrivateKey(await readFile(join(certDir, 'ca-key.pem'))).export({ type: 'pkcs8', format: 'der' }), P256, false, ['sign']);
    const keys = await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
    const forged = await x509.X509CertificateGenerator.create({
      subject: 'CN=example.com', issuer: new x509.X509Certificate(caPem).subjectName, publicKey: keys.publicKey, signingKey: caKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'example.com' }])],
    });
    const server = createServer({ cert: forged.toString('pem'), key: await pem(keys.privateKey) }, (_req, res) => res.end('forged'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const refused = await new Promise<NodeJS.ErrnoException>((resolve) => {
        get({ host: '127.0.0.1', port, servername: 'example.com', headers: { host: 'example.com' }, ca: caPem, agent: false }, () => resolve(new Error('accepted')))
          .on('error', resolve);
      });
      // OpenSSL's X509_V_ERR_PERMITTED_VIOLATION, which Node has no code name for.
      expect(refused.message).toBe('permitted subtree violation');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('keeps its files in the folder (0700, files 0600) and reuses them on the next start', async () => {
    emulator = await start({ https: { certDir } });
    expect((await stat(certDir)).mode & 0o777).toBe(0o700);
    const files = ['ca.pem', 'ca-key.pem', 'localhost.pem', 'localhost-key.pem'];
    for (const file of files) expect((await stat(join(certDir, file))).mode & 0o777, file).toBe(0o600);
    const before = await Promise.all(files.map((file) => readFile(join(certDir, file), 'utf8')));
    await emulator.close();

    emulator = await start({ https: { certDir } });
    const after = await Promise.all(files.map((file) => readFile(join(certDir, file), 'utf8')));
    expect(after).toEqual(before);
    const { status } = await httpsGet(`${emulator.origin}/emulator.onmicrosoft.com/B2C_1_susi/discovery/v2.0/keys`, Buffer.from(before[0]!));
    expect(status).toBe(200);
  });

  it('sets its cookies Secure over https', async () => {
    emulator = await start({ https: { certDir } });
    const url = new URL(`${emulator.authority('B2C_1_susi')}/oauth2/v2.0/authorize`);
    url.search = new URLSearchParams({
      client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUris[0]!, response_type: 'code', scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    }).toString();
    const answer = await httpsGet(url.href, await readFile(emulator.caCertPath!));
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toMatch(/^\/emulator\.onmicrosoft\.com\/B2C_1_susi\/api\//);
    const cookies = answer.headers['set-cookie'] ?? [];
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toContain('; secure');
  });

  it('makes a new server certificate when the CA changed or it nears expiry', async () => {
    const paths = await ensureCertificates(certDir);
    const firstServer = await readFile(paths.certPath, 'utf8');

    // A certificate that expires in ten days, from the same CA and key: replaced.
    const caKey = await webcrypto.subtle.importKey('pkcs8', createPrivateKey(await readFile(join(certDir, 'ca-key.pem'))).export({ type: 'pkcs8', format: 'der' }), P256, false, ['sign']);
    const keys = await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
    const soon = await x509.X509CertificateGenerator.create({
      subject: 'CN=localhost', issuer: new x509.X509Certificate(await readFile(paths.caCertPath, 'utf8')).subjectName,
      notBefore: new Date(), notAfter: new Date(Date.now() + 10 * DAY_MS), publicKey: keys.publicKey, signingKey: caKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }, { type: 'ip', value: '::1' }])],
    });
    await writeFile(paths.certPath, soon.toString('pem'));
    await writeFile(paths.keyPath, await pem(keys.privateKey));
    await ensureCertificates(certDir);
    const renewed = new X509Certificate(await readFile(paths.certPath, 'utf8'));
    expect(Date.parse(renewed.validTo)).toBeGreaterThan(Date.now() + 300 * DAY_MS);
    expect(renewed.toString()).not.toBe(firstServer);

    // A new CA: the server certificate is made again, by it.
    await unlink(paths.caCertPath);
    await unlink(join(certDir, 'ca-key.pem'));
    await ensureCertificates(certDir);
    const newCa = new X509Certificate(await readFile(paths.caCertPath, 'utf8'));
    const server = new X509Certificate(await readFile(paths.certPath, 'utf8'));
    expect(server.checkIssued(newCa)).toBe(true);
    expect(server.verify(newCa.publicKey)).toBe(true);
    expect(server.checkPrivateKey(createPrivateKey(await readFile(paths.keyPath)))).toBe(true);
  });

  it('makes one CA when two emulators start on a fresh folder at once', async () => {
    const [one, two] = await Promise.all([ensureCertificates(certDir), ensureCertificates(certDir)]);
    expect(one).toEqual(two);
    const ca = new X509Certificate(await readFile(one.caCertPath, 'utf8'));
    expect(ca.checkPrivateKey(createPrivateKey(await readFile(join(certDir, 'ca-key.pem'))))).toBe(true);
    const server = new X509Certificate(await readFile(one.certPath, 'utf8'));
    expect(server.checkIssued(ca) && server.verify(ca.publicKey)).toBe(true);
  });

  describe('an existing file it cannot use is a one-line error naming the file', () => {
    const spoilers: [string, string, (dir: string) => Promise<void>][] = [
      ['a CA certificate that is not PEM', 'ca.pem', (dir) => writeFile(join(dir, 'ca.pem'), 'not a certificate\n')],
      ['a CA certificate that cannot be read', 'ca.pem', async (dir) => {
        await unlink(join(dir, 'ca.pem'));
        await mkdir(join(dir, 'ca.pem'));
      }],
      ['a CA key that is missing', 'ca-key.pem', (dir) => unlink(join(dir, 'ca-key.pem'))],
      ['a CA key that is not the CA\'s', 'ca-key.pem', async (dir) => {
        const other = await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
        await writeFile(join(dir, 'ca-key.pem'), await pem(other.privateKey));
      }],
      ['a server key that is not PEM', 'localhost-key.pem', (dir) => writeFile(join(dir, 'localhost-key.pem'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')],
      ['a CA that has expired', 'ca.pem', async (dir) => {
        const keys = await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
        const expired = await x509.X509CertificateGenerator.createSelfSigned({
          name: 'CN=old', keys, notBefore: new Date(Date.now() - 20 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS),
          signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' }, extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
        });
        await writeFile(join(dir, 'ca.pem'), expired.toString('pem'));
        await writeFile(join(dir, 'ca-key.pem'), await pem(keys.privateKey));
      }],
    ];

    it.each(spoilers)('%s', async (_name, file, spoil) => {
      await ensureCertificates(certDir);
      const keys = await Promise.all(['ca-key.pem', 'localhost-key.pem'].map((name) => readFile(join(certDir, name), 'utf8').catch(() => '')));
      await spoil(certDir);
      const error = await ensureCertificates(certDir).then(() => undefined, (err: unknown) => err as Error);
      expect(error).toBeInstanceOf(Error);
      expect(error!.message).toContain(join(certDir, file));
      expect(error!.message).not.toContain('\n');
      expect(error!.message).not.toMatch(/PRIVATE KEY/);
      for (const key of keys.filter(Boolean)) expect(error!.message).not.toContain(key.split('\n')[1]);
      // startEmulator refuses the same way, before listening.
      await expect(start({ https: { certDir } })).rejects.toThrow(error!.message);
    });
  });
});
