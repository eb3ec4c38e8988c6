// Identity failures as the person should see them (the machine renders any error with
// status/title/detail as a page). Messages never carry tokens, codes or claims.
import type { Problem } from '../../machines/session.ts';

export class IdentityProblem extends Error implements Problem {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    /** For the log only: what went wrong, without secrets or personal data. */
    readonly reason: string,
  ) {
    super(`${title}: ${reason}`);
    this.name = 'IdentityProblem';
  }
}

export const unavailable = (reason: string) =>
  new IdentityProblem(
    503,
    'The sign-in service is not answering',
    'We could not reach the identity provider just now. Please try again in a moment.',
    reason,
  );

export const codeRejected = (reason: string) =>
  new IdentityProblem(
    400,
    'This sign-in could not be completed',
    'The sign-in response has expired or was already used. Please sign in again.',
    reason,
  );

export const tokenRejected = (reason: string) =>
  new IdentityProblem(
    401,
    'The sign-in could not be verified',
    'The identity provider’s answer failed our security checks, so you are not signed in. Please try again.',
    reason,
  );
