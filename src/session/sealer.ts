// Encryption at rest for what leaves the process (sessions, MSAL's token caches in Redis): AES-256-GCM
// under keys derived from SESSION_SECRET. Several secrets give rotation: the first seals, every one
// opens, and a record sealed under an older one is sealed anew at its next write.
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { randomOctets } from '../random.ts';

interface Key {
  id: string;
  bytes: Buffer;
}

const VERSION = 'v1';
const SALT = 'b2c-koa store encryption';

function derive(secret: string): Key {
  const bytes = Buffer.from(hkdfSync('sha256', secret, SALT, 'aes-256-gcm v1', 32));
  // Names the key without telling anything about it, so the right one is tried first.
  const id = createHash('sha256').update(bytes).digest('base64url').slice(0, 8);
  return { id, bytes };
}

// 96-bit IVs, each fresh from the CSPRNG and used once (src/random.ts pools the reads, issue #18).
const IV_BYTES = 12;

export class Sealer {
  private readonly keys: Key[];

  /** `secrets`: the current one first, then older ones still accepted. */
  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('Sealer needs at least one secret');
    this.keys = secrets.map(derive);
  }

  /** `context` (e.g. the record's key) is authenticated, not stored: a sealed value moved to another
   *  key no longer opens. */
  seal(plaintext: string, context: string): string {
    const key = this.keys[0]!;
    const iv = randomOctets(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.bytes, iv).setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, key.id, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** True when `sealed` is sealed under the current secret (false: seal it again at its next write). */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${VERSION}.${this.keys[0]!.id}.`);
  }

  /** The plaintext, or undefined when the value was not sealed by us for this context (unknown
   *  key, altered, moved, or not ours at all): the caller treats it as missing. */
  open(sealed: string, context: string): string | undefined {
    const [version, id, iv, body, tag, extra] = sealed.split('.');
    if (version !== VERSION || extra !== undefined || !iv || body === undefined || !tag) return undefined;
    const key = this.keys.find((k) => k.id === id);
    if (!key) return undefined;
    try {
      // A full-length tag only: GCM would otherwise accept a truncated, forgeable one.
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
      decipher.setAAD(Buffer.from(context)).setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
