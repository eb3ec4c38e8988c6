// B2C's error descriptions: the AADB2C code and message, then Correlation ID and Timestamp lines.
import { randomUUID } from 'node:crypto';

export const FORGOT_PASSWORD = 'AADB2C90118: The user has forgotten their password.';
export const CANCELLED = 'AADB2C90091: The user has cancelled the operation.';
export const GRANT_FROM_OTHER_FLOW = 'AADB2C90088: The provided grant has not been issued for this endpoint.';
export const GRANT_EXPIRED = 'AADB2C90080: The provided grant has expired. Please re-authenticate and try again.';
export const GRANT_REVOKED = 'AADB2C90129: The provided grant has been revoked. Please reauthenticate and try again.';
export const ACCOUNT_GONE = 'AADB2C90128: The account associated with this grant no longer exists. Please reauthenticate and try again.';
export const API_PERMISSIONS = 'AADB2C90205: This application does not have sufficient permissions against this web resource to perform the operation.';
export const MANY_RESOURCES = (scope: string): string =>
  `AADB2C90146: The scope '${scope}' provided in request specifies more than one resource for an access token, which is not supported.`;

export function b2cDescription(message: string, now = new Date()): string {
  const timestamp = now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return `${message}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${timestamp}`;
}
