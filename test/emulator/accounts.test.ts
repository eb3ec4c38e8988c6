// The account store and its password hashing.
import { afterEach, describe, expect, it } from 'vitest';

import { AccountExistsError, InMemoryAccountStore, type Emulator } from '../../src/emulator/index.ts';
import { hashPassword, passwordProblem, verifyPassword } from '../../src/emulator/passwords.ts';
import { appBrowser, beginAuthorization, callback, redeem, signIn, start } from './fixtures.ts';

describe('passwords', () => {
  it('hashes with scrypt and a random salt, never keeping the password', async () => {
    const [a, b] = await Promise.all([hashPassword('Passw0rd!'), hashPassword('Passw0rd!')]);
    expect(a).toMatch(/^scrypt\$[\w-]{22}\$[\w-]{86}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('Passw0rd');
    expect(await verifyPassword('Passw0rd!', a)).toBe(true);
    expect(await verifyPassword('passw0rd!', a)).toBe(false);
    expect(await verifyPassword('Passw0rd!', 'garbage')).toBe(false);
  });

  it('refuses passwords under 8 characters or without a letter and a digit', () => {
    expect(passwordProblem('Ab1')).toMatch(/at least 8/);
    expect(passwordProblem('abcdefgh')).toMatch(/letter and one digit/);
    expect(passwordProblem('12345678')).toMatch(/letter and one digit/);
    expect(passwordProblem('abcdefg1')).toBeUndefined();
  });
});

describe('InMemoryAccountStore', () => {
  it('finds by email case-insensitively and by id, refuses a second sign-up, updates profile and password', async () => {
    const store = new InMemoryAccountStore();
    const created = await store.create({ email: 'Ada@Example.com', password: 'Analytical1', givenName: 'Ada', surname: 'Lovelace' });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created).not.toHaveProperty('password');
    expect(await store.findByEmail('ada@example.COM')).toEqual(created);
    expect(await store.findById(created.id)).toEqual(created);
    await expect(store.create({ email: 'ada@example.com', password: 'Other1234', givenName: 'X', surname: 'Y' })).rejects.toBeInstanceOf(AccountExistsError);

    await store.updateProfile(created.id, { givenName: 'Augusta', surname: 'King' });
    expect(await store.findById(created.id)).toMatchObject({ givenName: 'Augusta', surname: 'King', email: 'Ada@Example.com' });

    expect(await store.verifyPassword('ada@example.com', 'Analytical1')).toMatchObject({ id: created.id });
    await store.setPassword(created.id, 'Engine2024');
    expect(await store.verifyPassword('ada@example.com', 'Analytical1')).toBeUndefined();
    expect(await store.verifyPassword('ada@example.com', 'Engine2024')).toMatchObject({ id: created.id });
    expect(await store.verifyPassword('nobody@example.com', 'Engine2024')).toBeUndefined();
  });

  it('hands out copies, so callers cannot change stored accounts by accident', async () => {
    const store = new InMemoryAccountStore();
    const created = await store.create({ email: 'a@b.co', password: 'Abcdefg1', givenName: 'A', surname: 'B' });
    created.givenName = 'Changed';
    expect((await store.findById(created.id))!.givenName).toBe('A');
  });
});

describe('the emulator and its accounts', () => {
  let emulator: Emulator | undefined;
  afterEach(() => emulator?.close());

  it('seeds the demo user into the store it is given, and signs in accounts the test put there', async () => {
    const accounts = new InMemoryAccountStore();
    await accounts.create({ email: 'seeded@example.com', password: 'Seeded123', givenName: 'Seeded', surname: 'Person' });
    emulator = await start({ accounts });
    expect(emulator.accounts).toBe(accounts);
    expect(emulator.demoUser).toEqual({ email: 'demo@example.com', password: 'Passw0rd!', givenName: 'Demo', surname: 'User' });
    expect(await accounts.verifyPassword('demo@example.com', 'Passw0rd!')).toMatchObject({ givenName: 'Demo', surname: 'User' });

    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, 'seeded@example.com', 'Seeded123');
    expect((await redeem(tx, callback(browser))).idTokenClaims).toMatchObject({ given_name: 'Seeded' });
  });
});
