// The in-memory session store: what was stored comes back until its time is up, then never again.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/session/store.ts';

describe('MemoryStore', () => {
  it('forgets a session once its maxAge has passed', async () => {
    let now = 1_000;
    const store = new MemoryStore(() => now);
    await store.set('k', { machine: { value: 'signedIn' } }, 60_000);
    now += 59_999;
    expect(await store.get('k')).toEqual({ machine: { value: 'signedIn' } });
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
    expect(await store.get('k')).toEqual({ machine: { value: 'signedOut' } });
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
    await store.set('k', { machine: { context: { user: { givenName: 'Grace' } } } }, 60_000);
    expect(await store.get('k')).not.toBe(read);
    expect(await store.get('k')).toEqual({ machine: { context: { user: { givenName: 'Grace' } } } });
    await store.close();
  });

  it('destroys on request', async () => {
    const store = new MemoryStore();
    await store.set('k', {}, 60_000);
    await store.destroy('k');
    expect(await store.get('k')).toBeUndefined();
    await store.close();
  });

  it('answers the readiness ping: memory is always there', async () => {
    const store = new MemoryStore();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });
});
