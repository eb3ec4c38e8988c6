// The visitor's pending cookie as its reader sees it: rotation of SESSION_SECRET honoured, an
// expired one told apart (the machine gets EXPIRE), and nothing but our own seal for this cookie opens.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from 'xstate';
import { PendingCookie } from '../../src/http/pending-cookie.ts';
import { Sealer } from '../../src/session/sealer.ts';

const OLD = 'old-session-secret-old-session-secret-0';
const NEW = 'new-session-secret-new-session-secret-1';
const IDLE = 30 * 60_000;
const persisted = {
  value: { userFlow: { authorizing: 'awaitingCallback' } },
  context: { user: null, transaction: { flow: 'signUpSignIn', state: 's'.repeat(43), nonce: 'n'.repeat(43), codeVerifier: 'v'.repeat(43), startedAt: 1, expiresAt: 2 }, notice: null, resume: null },
};
const snapshot = persisted as unknown as Snapshot<unknown>;

function sealedBy(cookie: PendingCookie, ref?: string): string {
  let value = '';
  cookie.write({ cookies: { set: (_: string, v: string) => void (value = v) } } as never, snapshot, ref);
  return value;
}

describe('the pending cookie', () => {
  it('sealed before SESSION_SECRET rotated, opens after it while the old secret is listed as previous, not once it is dropped', () => {
    const sealed = sealedBy(new PendingCookie('b2c.pending', [OLD], IDLE, Date.now, false), 'visitor-1');
    const opened = new PendingCookie('b2c.pending', [NEW, OLD], IDLE, Date.now, false).open(sealed);
    expect(opened?.ref).toBe('visitor-1');
    expect(opened?.machine).toMatchObject({ status: 'active', value: persisted.value, context: persisted.context });
    expect(new PendingCookie('b2c.pending', [NEW], IDLE, Date.now, false).open(sealed)).toBeUndefined();
  });

  it('past its lifetime it still opens, marked expired (its session is over), and a new visitor gets a new ref', () => {
    let now = 1_000_000;
    const cookie = new PendingCookie('b2c.pending', [NEW], IDLE, () => now, false);
    const sealed = sealedBy(cookie);
    expect(cookie.open(sealed)?.expired).toBeUndefined();
    const ref = cookie.open(sealed)!.ref;
    expect(ref).toMatch(/^[\w-]{16}$/);
    expect(cookie.open(sealedBy(cookie))!.ref).not.toBe(ref);
    now += IDLE;
    expect(cookie.open(sealed)?.expired).toBe(true);
  });

  it('opens nothing it did not seal for itself: another cookie name, a store entry, a huge or garbled value', () => {
    const cookie = new PendingCookie('b2c.pending', [NEW], IDLE, Date.now, false);
    const sealed = sealedBy(cookie);
    expect(new PendingCookie('__Host-b2c.pending', [NEW], IDLE, Date.now, false).open(sealed)).toBeUndefined();
    const entry = new Sealer([NEW]).seal(JSON.stringify([Date.now() + IDLE, 'r', 'signedOut', {}]), 'b2c:session:x');
    expect(cookie.open(entry)).toBeUndefined();
    expect(cookie.open(`${sealed}${'A'.repeat(5000)}`)).toBeUndefined();
    expect(cookie.open('v1.garbage')).toBeUndefined();
  });
});
