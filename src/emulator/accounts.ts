// The emulator's local accounts, behind a small interface so a test or the app can bring its own store.
import { randomUUID } from 'node:crypto';

import { hashPassword, verifyPassword } from './passwords.ts';

export interface Account {
  /** The object id: B2C's `oid`, and `sub` in the ID token. */
  id: string;
  email: string;
  givenName: string;
  surname: string;
}

export interface NewAccount { email: string; password: string; givenName: string; surname: string }
export interface ProfileChanges { givenName: string; surname: string }

export class AccountExistsError extends Error {
  constructor() { super('an account with this email already exists'); }
}

export class AccountNotFoundError extends Error {
  constructor() { super('no such account'); }
}

/**
 * Passwords cross this interface in clear only on their way in; an implementation stores a hash
 * (see passwords.ts) and never gives it back. Emails compare case-insensitively.
 */
export interface AccountStore {
  findByEmail(email: string): Promise<Account | undefined>;
  findById(id: string): Promise<Account | undefined>;
  /** Throws AccountExistsError when the email is taken. */
  create(account: NewAccount): Promise<Account>;
  /** Throws AccountNotFoundError. */
  updateProfile(id: string, changes: ProfileChanges): Promise<Account>;
  /** Throws AccountNotFoundError. */
  setPassword(id: string, password: string): Promise<void>;
  /**
   * The account when the email exists and the password is its password. Should take as long for an
   * unknown email as for a wrong password, so that timing does not tell which emails have accounts.
   */
  verifyPassword(email: string, password: string): Promise<Account | undefined>;
}

interface Stored { account: Account; passwordHash: string }

const emailKey = (email: string): string => email.trim().toLowerCase();

export class InMemoryAccountStore implements AccountStore {
  readonly #byId = new Map<string, Stored>();
  readonly #idByEmail = new Map<string, string>();

  async findByEmail(email: string): Promise<Account | undefined> {
    const id = this.#idByEmail.get(emailKey(email));
    return id === undefined ? undefined : this.findById(id);
  }

  async findById(id: string): Promise<Account | undefined> {
    const stored = this.#byId.get(id);
    return stored && { ...stored.account };
  }

  async create({ email, password, givenName, surname }: NewAccount): Promise<Account> {
    const key = emailKey(email);
    if (this.#idByEmail.has(key)) throw new AccountExistsError();
    const passwordHash = await hashPassword(password);
    // Checked again: another sign-up for the same email may have finished while we hashed.
    if (this.#idByEmail.has(key)) throw new AccountExistsError();
    const account: Account = { id: randomUUID(), email: email.trim(), givenName, surname };
    this.#byId.set(account.id, { account, passwordHash });
    this.#idByEmail.set(key, account.id);
    return { ...account };
  }

  async updateProfile(id: string, changes: ProfileChanges): Promise<Account> {
    const stored = this.#byId.get(id);
    if (!stored) throw new AccountNotFoundError();
    stored.account = { ...stored.account, givenName: changes.givenName, surname: changes.surname };
    return { ...stored.account };
  }

  async setPassword(id: string, password: string): Promise<void> {
    if (!this.#byId.has(id)) throw new AccountNotFoundError();
    const passwordHash = await hashPassword(password);
    const stored = this.#byId.get(id);
    if (!stored) throw new AccountNotFoundError();
    stored.passwordHash = passwordHash;
  }

  async verifyPassword(email: string, password: string): Promise<Account | undefined> {
    const id = this.#idByEmail.get(emailKey(email));
    const stored = id === undefined ? undefined : this.#byId.get(id);
    if (!stored) {
      // The same scrypt work as for a real account, against a hash nobody's password matches.
      decoyHash ??= hashPassword(randomUUID());
      await verifyPassword(password, await decoyHash);
      return undefined;
    }
    return (await verifyPassword(password, stored.passwordHash)) ? { ...stored.account } : undefined;
  }
}

let decoyHash: Promise<string> | undefined;

/** Puts the demo user in the store unless an account with its email is already there. */
export async function seedAccount(store: AccountStore, account: NewAccount): Promise<void> {
  if (await store.findByEmail(account.email)) return;
  try {
    await store.create(account);
  } catch (err) {
    if (!(err instanceof AccountExistsError)) throw err;
  }
}
