// B2C's error descriptions: the AADB2C code and message, then Correlation ID and Timestamp lines.
import { randomUUID } from 'node:crypto';

export const FORGOT_PASSWORD = 'AADB2C90118: The user has forgotten their password.';
export const CANCELLED = 'AADB2C90091: The user has cancelled the operation.';
export const GRANT_FROM_OTHER_FLOW = 'AADB2C90088: The provided grant has not been issued for this endpoint.';

export function b2cDescription(message: string, now = new Date()): string {
  const timestamp = now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return `${message}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${timestamp}`;
}
