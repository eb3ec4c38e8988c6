// Where External ID's one-time codes go: no mail is sent. Each code is shown on the emulator's own
// page (the inbox panel) and in the emulator's log line, and kept in emulator.inbox for tests. Also
// the per-interaction state of the sign-in pages: the email typed, the code pending, what it proved.
import { randomInt, timingSafeEqual } from 'node:crypto';

export type OtpPurpose = 'sign-up' | 'password-reset';

export interface InboxMessage {
  to: string;
  code: string;
  purpose: OtpPurpose;
  sentAt: Date;
}

/** Digits in a code (unverified against Entra's mails; B2C's have 6). */
export const CODE_DIGITS = 8;
export const CODE_TTL_MS = 10 * 60_000;
/** Wrong codes tolerated before the code is void and a new one must be asked for. */
export const MAX_WRONG_CODES = 5;
/** As oidc-provider's Interaction TTL: the pages' state lives no longer than the interaction. */
const STATE_TTL_MS = 3600_000;
const KEEP_MESSAGES = 100;
const MAX_TRACKED = 10_000;

interface Pending {
  email: string;
  purpose: OtpPurpose;
  /** Null when nothing was sent (a reset for an email no account has): every code is wrong. */
  message: InboxMessage | null;
  expiresAt: number;
  wrong: number;
}

export interface PageState {
  /** The email typed on the first page (sign-in or sign-up). */
  email?: string;
  pending?: Pending;
  /** What a correct code proved, for the page after it. */
  verified?: { email: string; purpose: OtpPurpose };
}

export type CodeCheck = 'ok' | 'wrong' | 'void';

export class Inbox {
  readonly messages: InboxMessage[] = [];
  readonly #states = new Map<string, PageState & { touchedAt: number }>();

  constructor(private readonly log: (line: string) => void) {}

  /** The state of one interaction's pages (made on first use; forgotten an hour after last use). */
  state(uid: string): PageState {
    const now = Date.now();
    const found = this.#states.get(uid);
    const state = found && found.touchedAt + STATE_TTL_MS > now ? found : { touchedAt: now };
    state.touchedAt = now;
    this.#states.delete(uid);
    this.#states.set(uid, state);
    for (const [key, entry] of this.#states) {
      if (this.#states.size <= MAX_TRACKED && entry.touchedAt + STATE_TTL_MS > now) break;
      this.#states.delete(key);
    }
    return state;
  }

  forget(uid: string): void { this.#states.delete(uid); }

  /** A new code for this email and purpose, replacing any pending one. `deliver` false: nothing is sent. */
  send(state: PageState, email: string, purpose: OtpPurpose, deliver: boolean): InboxMessage | null {
    delete state.verified;
    const message = deliver ? { to: email, code: newCode(), purpose, sentAt: new Date() } : null;
    state.pending = { email, purpose, message, expiresAt: Date.now() + CODE_TTL_MS, wrong: 0 };
    if (message) {
      this.messages.push(message);
      if (this.messages.length > KEEP_MESSAGES) this.messages.splice(0, this.messages.length - KEEP_MESSAGES);
      // The emulator's own line, never the app's logger: the code is for whoever runs the emulator.
      this.log(`entra external id emulator inbox: ${purpose} code ${message.code} for ${email} (no mail is sent)`);
    }
    return message;
  }

  /** Checks a typed code against the pending one; a correct one is used up and proves the email. */
  check(state: PageState, typed: string): CodeCheck {
    const pending = state.pending;
    if (!pending || pending.expiresAt <= Date.now() || pending.wrong >= MAX_WRONG_CODES) return 'void';
    const expected = pending.message?.code;
    if (!expected || !sameCode(typed, expected)) {
      pending.wrong += 1;
      return pending.wrong >= MAX_WRONG_CODES ? 'void' : 'wrong';
    }
    delete state.pending;
    state.verified = { email: pending.email, purpose: pending.purpose };
    return 'ok';
  }
}

function newCode(): string {
  return String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
}

function sameCode(typed: string, expected: string): boolean {
  const a = Buffer.from(typed.trim());
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
