// What B2C's tokens say about the journey that produced an authorization code and that oidc-provider
// keeps no slot for: the user flow (the `tfp` claim) and whether the user just signed up (`newUser`).
// Recorded when the code is handed out, read when the code is redeemed, gone when the code expires.

/** What a page adds to its interaction result when the user has just signed up. */
export const SIGNED_UP = { b2c: { newUser: true } } as const;

export function signedUp(result: unknown): boolean {
  return (result as { b2c?: { newUser?: unknown } } | undefined)?.b2c?.newUser === true;
}

export interface Journey {
  flow: string;
  newUser: boolean;
}

export class Journeys {
  readonly #byCode = new Map<string, Journey & { expiresAt: number }>();

  constructor(private readonly codeTtlSeconds: number) {}

  record(code: string, journey: Journey): void {
    const now = Date.now();
    for (const [key, entry] of this.#byCode) if (entry.expiresAt <= now) this.#byCode.delete(key);
    this.#byCode.set(code, { ...journey, expiresAt: now + this.codeTtlSeconds * 1000 });
  }

  forCode(code: string): Journey | undefined {
    const entry = this.#byCode.get(code);
    return entry && entry.expiresAt > Date.now() ? { flow: entry.flow, newUser: entry.newUser } : undefined;
  }
}
