// What the sample API is told about its tenant and itself, checked once at start.

export interface SampleApiOptions {
  /**
   * The B2C user flow authority tokens come from, e.g.
   * `https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi`; its metadata is
   * `${authority}/v2.0/.well-known/openid-configuration`. All user flows of a tenant share the issuer.
   */
  authority: string;
  /** The API's application (client) id: the access token's `aud`. */
  audience: string;
  /** The scope /hello needs, short name (`tasks.read`), as B2C writes it in `scp`. */
  requiredScope: string;
  /** User flows whose tokens are accepted (the `tfp` claim), compared case-insensitively. */
  userFlows: string[];
  /** Longest wait for the metadata or the keys; default 5000. */
  timeoutMs?: number;
  /** Leeway for `exp` and `nbf` against clock skew; default 60. */
  clockToleranceSeconds?: number;
}

export interface ResolvedOptions extends Required<SampleApiOptions> {
  metadataUrl: string;
}

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

export function resolveOptions(options: SampleApiOptions): ResolvedOptions {
  const authority = typeof options.authority === 'string' && URL.canParse(options.authority) ? new URL(options.authority) : undefined;
  if (!authority || !/^https?:$/.test(authority.protocol) || authority.search || authority.hash || authority.pathname.split('/').filter(Boolean).length < 2) {
    throw new TypeError(`authority must be a user flow's URL such as https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi, got ${show(options.authority)}`);
  }
  const base = authority.href.replace(/\/+$/, '');
  for (const field of ['audience', 'requiredScope'] as const) {
    if (typeof options[field] !== 'string' || !/^\S+$/.test(options[field])) throw new TypeError(`${field} must be a non-empty string without spaces, got ${show(options[field])}`);
  }
  if (!Array.isArray(options.userFlows) || options.userFlows.length === 0 || !options.userFlows.every((flow) => typeof flow === 'string' && /^\S+$/.test(flow))) {
    throw new TypeError(`userFlows must list at least one user flow name, got ${show(options.userFlows)}`);
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 120_000) throw new TypeError(`timeoutMs must be a whole number of milliseconds from 1 to 120000, got ${show(timeoutMs)}`);
  const clockToleranceSeconds = options.clockToleranceSeconds ?? 60;
  if (!Number.isInteger(clockToleranceSeconds) || clockToleranceSeconds < 0 || clockToleranceSeconds > 600) {
    throw new TypeError(`clockToleranceSeconds must be a whole number of seconds from 0 to 600, got ${show(clockToleranceSeconds)}`);
  }
  return {
    authority: base,
    audience: options.audience,
    requiredScope: options.requiredScope,
    userFlows: [...options.userFlows],
    timeoutMs,
    clockToleranceSeconds,
    metadataUrl: `${base}/v2.0/.well-known/openid-configuration`,
  };
}
