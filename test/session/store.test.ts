// The in-memory session store: what was stored comes back until its time is up, then never again.
import { describe, expect, it } from 'vitest';
import { MemoryStore, SESSION_ENDED, StaleSession } from '../../src/session/store.ts';

describe('MemoryStore', () => {
  it('forgets a session once its maxAge has passed', async () => {
    let now = 1_000;
    const store = new MemoryStore(() => now);
    await store.set('k', { machine: { value: 'signedIn' } }, 60_000);
    now += 59_999;
    expect(await store.get('k')).toEqual({ machine: { value: 'signedIn' }, version: 1 });
    now += 1;
    expect(await store.get('k')).toBeUndefined();
    expect(store.size).toBe(0);
    await store.close();
  });

  it('keeps a copy, so later changes to the caller object are not stored by accident', async () => {
    const store = new MemoryStore();
    const session = { machine: { value: 'signedOut' } };
    await store.set('k', session, 60_000);
    session.machine.value = 'signedIn';
    expect(await store.get('k')).toEqual({ machine: { value: 'signedOut' }, version: 1 });
    await store.close();
  });

  it('hands out one frozen session until it is written again, so nobody can change what is stored', async () => {
    const store = new MemoryStore();
    await store.set('k', { machine: { context: { user: { givenName: 'Ada' } } } }, 60_000);
    const read = (await store.get('k')) as { machine: { context: { user: { givenName: string } } } };
    expect(await store.get('k')).toBe(read);
    expect(() => {
      read.machine.context.user.givenName = 'Mallory';
    }).toThrow(TypeError);
    await store.set('k', { machine: { context: { user: { givenName: 'Grace' } } }, version: 1 }, 60_000);
    expect(await store.get('k')).not.toBe(read);
    expect(await store.get('k')).toEqual({ machine: { context: { user: { givenName: 'Grace' } } }, version: 2 });
    await store.close();
  });

  it('destroys on request', async () => {
    const store = new MemoryStore();
    await store.set('k', {}, 60_000);
    await store.destroy('k');
    expect(await store.get('k')).toBeUndefined();
    await store.close();
  });

  it('writes only on the version a request read: the later of two writers is refused, not last-wins', async () => {
    const store = new MemoryStore();
    await store.set('k', { n: 0 }, 60_000);
    const [a, b] = [(await store.get('k')) as { version: number }, (await store.get('k')) as { version: number }];
    await store.set('k', { n: 'a', version: a.version }, 60_000);
    await expect(store.set('k', { n: 'b', version: b.version }, 60_000)).rejects.toBeInstanceOf(StaleSession);
    expect(await store.get('k')).toMatchObject({ n: 'a', version: 2 });
    // A new session may not take an id that is in use.
    await expect(store.set('k', { n: 'new' }, 60_000)).rejects.toBeInstanceOf(StaleSession);
    await store.close();
  });

  it('a claim moves the version on: the claimant writes next, a request that read before it cannot', async () => {
    const store = new MemoryStore();
    await store.set('k', { n: 0 }, 60_000);
    const read = (await store.get('k')) as { version: number };
    const claimed = await store.claim('k', read.version);
    await expect(store.claim('k', read.version)).rejects.toBeInstanceOf(StaleSession);
    await expect(store.set('k', { n: 'late', version: read.version }, 60_000)).rejects.toBeInstanceOf(StaleSession);
    await store.set('k', { n: 'claimant', version: claimed }, 60_000);
    expect(await store.get('k')).toMatchObject({ n: 'claimant' });
    await expect(store.claim('nothing', 0)).rejects.toBeInstanceOf(StaleSession);
    await store.close();
  });

  it('an ended session leaves a tombstone: no late write brings it back, and a read says it was ended', async () => {
    let now = 0;
    const store = new MemoryStore(() => now, { tombstoneMs: 30_000, personMs: 60_000 });
    await store.set('k', { user: 'ada' }, 60_000);
    const read = (await store.get('k')) as { version: number };
    await store.destroy('k');
    await expect(store.set('k', { user: 'ada', version: read.version }, 60_000)).rejects.toBeInstanceOf(StaleSession);
    await expect(store.set('k', { user: 'ada' }, 60_000)).rejects.toBeInstanceOf(StaleSession);
    const ctx = { state: {} as Record<string, unknown> };
    expect(await store.get('k', 0, { ctx })).toBeUndefined();
    expect(ctx.state[SESSION_ENDED]).toBe(true);
    // Renewal under a new id ends the old one only if it is still as read.
    await store.set('r', { user: 'bob' }, 60_000);
    await expect(store.retire('r', 7)).rejects.toBeInstanceOf(StaleSession);
    await store.retire('r', 1);
    await expect(store.set('r', { user: 'bob', version: 1 }, 60_000)).rejects.toBeInstanceOf(StaleSession);
    now += 30_000; // the tombstone outlives any request, then goes
    expect(await store.get('k', 0, { ctx: { state: {} } })).toBeUndefined();
    await store.set('k', { user: 'new' }, 60_000);
    await store.close();
  });

  it('keeps when a person\'s sessions were ended, for as long as a session can live', async () => {
    let now = 0;
    const store = new MemoryStore(() => now, { tombstoneMs: 30_000, personMs: 60_000 });
    expect(await store.sessionsValidAfter('oid')).toBeUndefined();
    await store.endSessionsBefore('oid', 1234);
    expect(await store.sessionsValidAfter('oid')).toBe(1234);
    now += 60_000;
    expect(await store.sessionsValidAfter('oid')).toBeUndefined();
    await store.close();
  });

  it('answers the readiness ping: memory is always there', async () => {
    const store = new MemoryStore();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });
});
