// Entra's error descriptions for the refusals the emulator shares with B2C: the AADSTS code and
// message, then Trace ID, Correlation ID and Timestamp lines (B2C has no Trace ID line).
import { randomUUID } from 'node:crypto';

/** B2C's code → Entra's line for the same refusal (messages shortened where Entra's name ids and dates). */
const AADSTS: Record<string, string | ((b2c: string) => string)> = {
  AADB2C90080: 'AADSTS700082: The refresh token has expired due to inactivity.',
  AADB2C90129: 'AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed.',
  AADB2C90088: 'AADSTS70000: The provided grant is invalid or malformed.',
  AADB2C90128: 'AADSTS50034: The user account does not exist in the directory.',
  AADB2C90205: 'AADSTS500011: The resource principal named in the scope was not found in the tenant.',
  AADB2C90146: (b2c) => {
    const scope = /The scope '([^']*)'/.exec(b2c)?.[1] ?? '';
    return `AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid.`;
  },
};

export function entraDescription(b2cMessage: string, now = new Date()): string {
  const entry = AADSTS[b2cMessage.slice(0, 11)];
  const message = typeof entry === 'function' ? entry(b2cMessage) : entry ?? b2cMessage;
  const timestamp = now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return `${message}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${timestamp}`;
}
