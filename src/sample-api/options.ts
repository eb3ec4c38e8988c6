// What the sample API is told about its tenant and itself, checked once at start.

export interface SampleApiOptions {
  /**
   * 'b2c' (default): tokens of Azure AD B2C user flows (`tfp` checked). 'external-id': tokens of
   * Microsoft Entra External ID (no user flow in the token; `tid` checked instead).
   */
  mode?: 'b2c' | 'external-id';
  /**
   * B2C: the user flow authority tokens come from, e.g.
   * `https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi`; its metadata is
   * `${authority}/v2.0/.well-known/openid-configuration`. All user flows of a tenant share the issuer.
   * External ID: the tenant's one authority, `https://<sub>.ciamlogin.com/<tenant id>` (a trailing
   * `/v2.0` is allowed; bare `https://<sub>.ciamlogin.com/` means `<sub>.onmicrosoft.com`); its
   * metadata is `<origin>/<tenant>/v2.0/.well-known/openid-configuration`.
   */
  authority: string;
  /** The API's application (client) id: the access token's `aud`. */
  audience: string;
  /** The scope /hello needs, short name (`tasks.read`), as the service writes it in `scp`. */
  requiredScope: string;
  /** B2C: user flows whose tokens are accepted (the `tfp` claim), compared case-insensitively. Not read in External ID mode. */
  userFlows?: string[];
  /**
   * External ID: the tenant id tokens must carry in `tid`. Default: the tenant id the issuer names
   * (discovery's issuer, `https://<tenant id>.ciamlogin.com/<tenant id>/v2.0`), never one built here.
   */
  tenantId?: string;
  /** Longest wait for the metadata or the keys; default 5000. */
  timeoutMs?: number;
  /** Leeway for `exp` and `nbf` against clock skew; default 60. */
  clockToleranceSeconds?: number;
}

export interface ResolvedOptions {
  mode: 'b2c' | 'external-id';
  authority: string;
  audience: string;
  requiredScope: string;
  /** B2C only; empty in External ID mode. */
  userFlows: string[];
  tenantId: string | undefined;
  timeoutMs: number;
  clockToleranceSeconds: number;
  metadataUrl: string;
}

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function resolveOptions(options: SampleApiOptions): ResolvedOptions {
  const mode = options.mode ?? 'b2c';
  if (mode !== 'b2c' && mode !== 'external-id') throw new TypeError(`mode must be "b2c" or "external-id", got ${show(mode)}`);
  const { authority, metadataUrl } = mode === 'b2c' ? b2cAuthority(options.authority) : externalIdAuthority(options.authority);
  for (const field of ['audience', 'requiredScope'] as const) {
    if (typeof options[field] !== 'string' || !/^\S+$/.test(options[field])) throw new TypeError(`${field} must be a non-empty string without spaces, got ${show(options[field])}`);
  }
  const userFlows = mode === 'b2c' ? b2cUserFlows(options.userFlows) : [];
  if (options.tenantId !== undefined && (mode !== 'external-id' || typeof options.tenantId !== 'string' || !GUID.test(options.tenantId))) {
    throw new TypeError(`tenantId must be a tenant id (a GUID), and is read in External ID mode only, got ${show(options.tenantId)}`);
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 120_000) throw new TypeError(`timeoutMs must be a whole number of milliseconds from 1 to 120000, got ${show(timeoutMs)}`);
  const clockToleranceSeconds = options.clockToleranceSeconds ?? 60;
  if (!Number.isInteger(clockToleranceSeconds) || clockToleranceSeconds < 0 || clockToleranceSeconds > 600) {
    throw new TypeError(`clockToleranceSeconds must be a whole number of seconds from 0 to 600, got ${show(clockToleranceSeconds)}`);
  }
  return {
    mode,
    authority,
    audience: options.audience,
    requiredScope: options.requiredScope,
    userFlows,
    tenantId: options.tenantId?.toLowerCase(),
    timeoutMs,
    clockToleranceSeconds,
    metadataUrl,
  };
}

function parse(value: unknown): URL | undefined {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  return url && /^https?:$/.test(url.protocol) && !url.search && !url.hash ? url : undefined;
}

function b2cAuthority(value: unknown): { authority: string; metadataUrl: string } {
  const url = parse(value);
  if (!url || url.pathname.split('/').filter(Boolean).length < 2) {
    throw new TypeError(`authority must be a user flow's URL such as https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi, got ${show(value)}`);
  }
  const authority = url.href.replace(/\/+$/, '');
  return { authority, metadataUrl: `${authority}/v2.0/.well-known/openid-configuration` };
}

/** External ID's authority in the forms Microsoft's samples and portal give it. */
function externalIdAuthority(value: unknown): { authority: string; metadataUrl: string } {
  const url = parse(value);
  const segments = url?.pathname.split('/').filter(Boolean) ?? [];
  if (segments.at(-1)?.toLowerCase() === 'v2.0') segments.pop();
  const tenant = segments[0] ?? (url && /\.ciamlogin\.com$/i.test(url.hostname) ? `${url.hostname.split('.')[0]}.onmicrosoft.com` : undefined);
  if (!url || segments.length > 1 || tenant === undefined) {
    throw new TypeError(`authority must be an External ID authority such as https://contoso.ciamlogin.com/<tenant id>, got ${show(value)}`);
  }
  const authority = `${url.origin}/${tenant}`;
  return { authority, metadataUrl: `${authority}/v2.0/.well-known/openid-configuration` };
}

function b2cUserFlows(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((flow) => typeof flow === 'string' && /^\S+$/.test(flow))) {
    throw new TypeError(`userFlows must list at least one user flow name, got ${show(value)}`);
  }
  return [...(value as string[])];
}
