// The https mode's certificates: a local certificate authority the developer trusts once, and a
// server certificate it signs for localhost, 127.0.0.1 and ::1. Made on first use, reused after;
// the server certificate is made again when it nears expiry or no longer matches the CA. Only
// node:crypto and @peculiar/x509: no openssl binary. Private keys go to files (0600, in a 0700
// folder made here) and nowhere else: no message ever carries one.
import 'reflect-metadata';
import { X509Certificate, createPrivateKey, createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** Where `npm run emulator -- --https` keeps them unless told (git-ignored). */
export const DEFAULT_CERT_DIR = fileURLToPath(new URL('../../.emulator-certs', import.meta.url));

export const FILES = { caCert: 'ca.pem', caKey: 'ca-key.pem', cert: 'localhost.pem', key: 'localhost-key.pem' } as const;

export interface CertificatePaths { caCertPath: string; certPath: string; keyPath: string }

const DAY_MS = 86_400_000;
const CA_DAYS = 3650;
/** Under the 398 days browsers accept from a public CA, so no client finds it suspicious. */
const SERVER_DAYS = 365;
const RENEW_WITHIN_DAYS = 30;
const SERVER_NAMES = 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1';

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' };

interface Loaded { pem: string; cert: X509Certificate; key: KeyObject }

/** The CA and server certificate in `dir`, made if absent; an Error of one line naming the file
 *  when one that exists cannot be used (unreadable, malformed, expired CA, key not its own). */
export async function ensureCertificates(dir: string): Promise<CertificatePaths> {
  const root = resolve(dir);
  const paths = {
    caCertPath: join(root, FILES.caCert), caKeyPath: join(root, FILES.caKey),
    certPath: join(root, FILES.cert), keyPath: join(root, FILES.key),
  };
  const result = { caCertPath: paths.caCertPath, certPath: paths.certPath, keyPath: paths.keyPath };
  // Usually everything is there and good: no lock, nothing written. A problem seen here may be
  // another process half-way through writing, so it is judged again under the lock.
  let seen: unknown;
  try {
    const ca = await loadPair(paths.caCertPath, paths.caKeyPath);
    if (ca && await serverUsable(paths.certPath, paths.keyPath, ca)) return result;
  } catch (err) {
    seen = err;
  }

  let locked = false;
  try {
    await mkdir(root, { recursive: true, mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot create the certificate folder ${root}: ${err.code ?? err.message}`);
    });
    await withLock(root, async () => {
      locked = true;
      // Another process may have made them while this one waited for the lock.
      const current = (await loadPair(paths.caCertPath, paths.caKeyPath)) ?? await createCa(paths.caCertPath, paths.caKeyPath);
      if (!(await serverUsable(paths.certPath, paths.keyPath, current))) {
        await createServerCert(paths.certPath, paths.keyPath, current);
      }
    });
  } catch (err) {
    // A folder it may not write to: the file that brought it here is the news, not the lock.
    throw locked ? err : seen ?? err;
  }
  return result;
}

/** The CA, checked; undefined when neither file exists yet. */
async function loadPair(certPath: string, keyPath: string): Promise<Loaded | undefined> {
  const [certPem, keyPem] = await Promise.all([readIfPresent(certPath), readIfPresent(keyPath)]);
  if (certPem === undefined && keyPem === undefined) return undefined;
  if (certPem === undefined) throw new Error(`${certPath} is missing but its key is there; delete ${keyPath} to make a new CA`);
  if (keyPem === undefined) throw new Error(`${keyPath} is missing; delete ${certPath} to make a new CA (and trust the new one)`);
  const loaded = parsePair(certPath, certPem, keyPath, keyPem, `delete ${certPath} and ${keyPath} to make a new CA (and trust that one)`);
  // Ours are P-256; another CA's files in this folder (say mkcert's) are not signed with here.
  if (loaded.key.asymmetricKeyType !== 'ec' || loaded.key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${keyPath} is not a P-256 key as the emulator makes them; delete it and ${certPath} to make a new CA (and trust that one)`);
  }
  if (!loaded.cert.ca || !loaded.cert.checkIssued(loaded.cert)) {
    throw new Error(`${certPath} is not a certificate authority; delete it and ${keyPath} to make a new CA (and trust that one)`);
  }
  const expires = new Date(loaded.cert.validTo);
  if (expires.getTime() <= Date.now()) {
    throw new Error(`${certPath}: the local CA expired on ${expires.toISOString().slice(0, 10)}; delete it and ${keyPath} to make a new CA (and trust that one)`);
  }
  await tighten(keyPath);
  return loaded;
}

/** Whether the server certificate there is this CA's, for our names, and not near expiry; a file
 *  that exists but cannot be read or parsed is an Error, not a silent replacement. */
async function serverUsable(certPath: string, keyPath: string, ca: Loaded): Promise<boolean> {
  const [certPem, keyPem] = await Promise.all([readIfPresent(certPath), readIfPresent(keyPath)]);
  if (certPem === undefined || keyPem === undefined) return false;
  const { cert } = parsePair(certPath, certPem, keyPath, keyPem, `delete ${certPath} and ${keyPath} to make new ones`);
  await tighten(keyPath);
  const renewAt = new Date(cert.validTo).getTime() - RENEW_WITHIN_DAYS * DAY_MS;
  return cert.checkIssued(ca.cert) && cert.verify(ca.cert.publicKey) && cert.subjectAltName === SERVER_NAMES && Date.now() < renewAt;
}

function parsePair(certPath: string, certPem: string, keyPath: string, keyPem: string, remedy: string): Loaded {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new Error(`${certPath} is not a PEM certificate; ${remedy}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new Error(`${keyPath} is not a PEM private key; ${remedy}`);
  }
  let matches = false;
  try {
    matches = cert.checkPrivateKey(key);
  } catch {
    // a key of another type than the certificate's
  }
  if (!matches) throw new Error(`${keyPath} is not the key of ${certPath}; ${remedy}`);
  return { pem: certPem, cert, key };
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${code ?? (err as Error).message}`);
  }
}

/** A key file someone made readable to others is put back to 0600 (ours, so we may). */
async function tighten(keyPath: string): Promise<void> {
  const { mode } = await stat(keyPath);
  if ((mode & 0o077) !== 0) await chmod(keyPath, 0o600);
}

async function createCa(certPath: string, keyPath: string): Promise<Loaded> {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 3_600_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    // A random suffix tells this CA from another checkout's in a trust store.
    name: `CN=B2C emulator local CA ${randomBytes(4).toString('hex')}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + CA_DAYS * DAY_MS),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      loopbackOnly(),
    ],
  });
  const keyPem = await privateKeyPem(keys.privateKey);
  // The key first: a CA certificate on disk without its key is an error at the next start.
  await writePrivate(keyPath, keyPem);
  await writePrivate(certPath, cert.toString('pem'));
  const pem = cert.toString('pem');
  return { pem, cert: new X509Certificate(pem), key: createPrivateKey(keyPem) };
}

async function createServerCert(certPath: string, keyPath: string, ca: Loaded): Promise<void> {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const caSigningKey = await webcrypto.subtle.importKey(
    'pkcs8', ca.key.export({ type: 'pkcs8', format: 'der' }), KEY_ALGORITHM, false, ['sign'],
  );
  const caPublicKey = await webcrypto.subtle.importKey(
    'spki', createPublicKey(ca.key).export({ type: 'spki', format: 'der' }), KEY_ALGORITHM, true, ['verify'],
  );
  const notBefore = new Date(Date.now() - 3_600_000);
  const caExpires = new Date(ca.cert.validTo).getTime();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: 'CN=localhost',
    issuer: new x509.X509Certificate(ca.pem).subjectName,
    notBefore,
    notAfter: new Date(Math.min(notBefore.getTime() + SERVER_DAYS * DAY_MS, caExpires)),
    publicKey: keys.publicKey,
    signingKey: caSigningKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }, { type: 'ip', value: '::1' },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caPublicKey),
    ],
  });
  await writePrivate(keyPath, await privateKeyPem(keys.privateKey));
  await writePrivate(certPath, cert.toString('pem'));
}

/** Name constraints (RFC 5280 4.2.1.10, hand-encoded DER): whoever got hold of the CA key could
 *  still only vouch for loopback names, not for any site the developer visits. Not critical, so a
 *  client that does not know the extension still accepts the chain. */
function loopbackOnly(): x509.Extension {
  const der = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag, body.length]), body]);
  const subtree = (name: Buffer): Buffer => der(0x30, name);
  const permitted = Buffer.concat([
    subtree(der(0x82, Buffer.from('localhost', 'ascii'))),
    subtree(der(0x87, Buffer.from([127, 0, 0, 0, 255, 0, 0, 0]))),
    subtree(der(0x87, Buffer.concat([Buffer.alloc(15), Buffer.from([1]), Buffer.alloc(16, 0xff)]))),
  ]);
  return new x509.Extension('2.5.29.30', false, new Uint8Array(der(0x30, der(0xa0, permitted))));
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive and not zero, as RFC 5280 asks
  return bytes.toString('hex');
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Written whole or not at all (temporary file, then rename), 0600 from the first byte. */
async function writePrivate(path: string, content: string): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw new Error(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

const LOCK_STALE_MS = 60_000;
const LOCK_WAIT_MS = 30_000;

/** Two emulators starting at once on one folder must not make two CAs and keep half of each. */
async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  const giveUp = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Error(`cannot lock ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const since = await stat(lock).then((s) => s.mtimeMs, () => Date.now());
      // Left behind by a process that died while writing.
      if (Date.now() - since > LOCK_STALE_MS) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > giveUp) throw new Error(`${lock} is held by another emulator; remove it if none is running`);
      else await new Promise((done) => setTimeout(done, 50));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
