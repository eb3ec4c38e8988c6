// The checks a web API protected by Azure AD B2C (or Entra External ID) makes on each bearer token,
// with jose: the authority's metadata (fetched once, lazily, and again after a failure) names the
// issuer and the keys. B2C's tokens name their user flow (`tfp`); External ID's name the tenant (`tid`).
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

import type { ResolvedOptions } from './options.ts';

/** What the checks concluded about a request's Authorization header. */
export type Verdict =
  | { kind: 'ok'; name: string; scopes: string[] }
  /** No bearer token at all (RFC 6750: answer without an error code). */
  | { kind: 'missing' }
  | { kind: 'invalid_token' }
  | { kind: 'insufficient_scope' }
  /** The metadata or the keys could not be had: nothing can be said about the token. */
  | { kind: 'unavailable' };

/** The metadata or the keys failed; never the token's fault. */
class Unavailable extends Error {}

interface Trust {
  issuer: string;
  keys: JWTVerifyGetKey;
  /** External ID: the tenant `tid` must name. */
  tenantId?: string;
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

// RFC 6750's b64token after the scheme.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function tokenVerifier(options: ResolvedOptions): (authorization: string | undefined) => Promise<Verdict> {
  let trust: Promise<Trust> | undefined;
  const currentTrust = (): Promise<Trust> => {
    trust ??= loadTrust(options).catch((err: unknown) => {
      trust = undefined; // the next request tries again
      throw err;
    });
    return trust;
  };
  const flows = new Set(options.userFlows.map((flow) => flow.toLowerCase()));

  return async (authorization) => {
    if (!authorization || !/^Bearer(\s|$)/i.test(authorization)) return { kind: 'missing' };
    const token = BEARER.exec(authorization)?.[1];
    if (!token) return { kind: 'invalid_token' };
    try {
      const { issuer, keys, tenantId } = await currentTrust();
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        audience: options.audience,
        algorithms: ['RS256'],
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: options.mode === 'external-id' ? ['exp', 'iat', 'sub', 'tid'] : ['exp', 'iat', 'sub'],
      });
      if (options.mode === 'external-id') {
        // One issuer may sign for several tenants; the tenant is the one `tid` names.
        if (typeof payload.tid !== 'string' || payload.tid.toLowerCase() !== tenantId) return { kind: 'invalid_token' };
      } else if (typeof payload.tfp !== 'string' || !flows.has(payload.tfp.toLowerCase())) {
        return { kind: 'invalid_token' };
      }
      const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ').filter(Boolean) : [];
      if (!scopes.includes(options.requiredScope)) return { kind: 'insufficient_scope' };
      return { kind: 'ok', name: typeof payload.name === 'string' ? payload.name : '', scopes };
    } catch (err) {
      if (err instanceof Unavailable) return { kind: 'unavailable' };
      if (err instanceof errors.JOSEError) return { kind: 'invalid_token' };
      throw err;
    }
  };
}

async function loadTrust(options: ResolvedOptions): Promise<Trust> {
  let metadata: unknown;
  try {
    const response = await fetch(options.metadataUrl, { signal: AbortSignal.timeout(options.timeoutMs), redirect: 'error' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    metadata = await response.json();
  } catch (err) {
    throw new Unavailable(`metadata: ${err instanceof Error ? err.message : 'failed'}`);
  }
  const { issuer, jwks_uri: jwksUri } = (metadata ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
  const jwksUrl = typeof jwksUri === 'string' && URL.canParse(jwksUri) ? new URL(jwksUri) : null;
  if (typeof issuer !== 'string' || !issuer || !jwksUrl || !/^https?:$/.test(jwksUrl.protocol)) {
    throw new Unavailable('metadata without an issuer and an http(s) jwks_uri');
  }
  const remote = createRemoteJWKSet(jwksUrl, { timeoutDuration: options.timeoutMs });
  // A key the token names but the set lacks is the token's fault; failing to get the set is not.
  const keys: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      throw new Unavailable(`keys: ${err instanceof Error ? err.message : 'failed'}`);
    }
  };
  if (options.mode !== 'external-id') return { issuer, keys };
  // The tenant as discovery names it (`https://<tenant id>.ciamlogin.com/<tenant id>/v2.0`), unless told.
  const tenantId = options.tenantId ?? GUID.exec(issuer)?.[0]?.toLowerCase();
  if (!tenantId) throw new Unavailable('metadata whose issuer names no tenant id');
  return { issuer, keys, tenantId };
}
