// oidc-provider's storage, in memory and private to one emulator: the bundled memory adapter caps
// itself at 1000 entries (evicting live sessions under load) and announces itself on every start.
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry { payload: AdapterPayload; expiresAt: number }

/** Models whose entries belong to a grant and go when the grant is revoked. */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export class MemoryStorage {
  readonly #entries = new Map<string, Entry>();
  readonly #sessionByUid = new Map<string, string>();
  readonly #userCodes = new Map<string, string>();
  readonly #grants = new Map<string, Set<string>>();
  #writes = 0;

  adapterFor = (model: string): Adapter => new MemoryAdapter(this, model);

  get(key: string): AdapterPayload | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(model: string, key: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    this.#entries.set(key, { payload, expiresAt });
    if (model === 'Session' && payload.uid) this.#sessionByUid.set(payload.uid, key);
    if (payload.userCode) this.#userCodes.set(payload.userCode, key);
    if (GRANTABLE.has(model) && payload.grantId) {
      const members = this.#grants.get(payload.grantId) ?? new Set<string>();
      members.add(key);
      this.#grants.set(payload.grantId, members);
    }
    // Expired entries are dropped on read; a sweep now and then keeps unread ones from piling up.
    if (++this.#writes % 500 === 0) this.#sweep();
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    this.#entries.delete(key);
    if (!entry) return;
    const { uid, userCode, grantId } = entry.payload;
    if (uid && this.#sessionByUid.get(uid) === key) this.#sessionByUid.delete(uid);
    if (userCode && this.#userCodes.get(userCode) === key) this.#userCodes.delete(userCode);
    if (grantId) this.#grants.get(grantId)?.delete(key);
  }

  keyBySessionUid(uid: string): string | undefined { return this.#sessionByUid.get(uid); }
  keyByUserCode(userCode: string): string | undefined { return this.#userCodes.get(userCode); }

  revokeGrant(grantId: string): void {
    for (const key of this.#grants.get(grantId) ?? []) this.delete(key);
    this.#grants.delete(grantId);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.delete(key);
  }
}

class MemoryAdapter implements Adapter {
  constructor(private readonly storage: MemoryStorage, private readonly model: string) {}

  #key(id: string): string { return `${this.model}:${id}`; }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    this.storage.delete(this.#key(id));
    this.storage.set(this.model, this.#key(id), payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> { return this.storage.get(this.#key(id)); }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const key = this.storage.keyBySessionUid(uid);
    return key === undefined ? undefined : this.storage.get(key);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const key = this.storage.keyByUserCode(userCode);
    return key === undefined ? undefined : this.storage.get(key);
  }

  async consume(id: string): Promise<void> {
    // oidc-provider consumes a refresh token when it rotates it and revokes the whole grant when a
    // consumed one comes back. B2C has no such reuse detection: the old token stays valid until it
    // expires (two tabs refreshing with the same token both succeed), so it is never marked.
    if (this.model === 'RefreshToken') return;
    const payload = this.storage.get(this.#key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> { this.storage.delete(this.#key(id)); }

  async revokeByGrantId(grantId: string): Promise<void> { this.storage.revokeGrant(grantId); }
}
