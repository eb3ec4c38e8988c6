// The authorization URL of one user flow, as MSAL writes it, made once and then filled in per
// request. msal.getAuthCodeUrl rebuilds and re-discovers its authority on every call (a JSON.parse
// of the metadata, a dozen URL parses: ~50-90 µs of a ~300-450 µs /signin on our machine), for a
// URL in which only the state, the nonce, the PKCE challenge and the correlation id change.
//
// MSAL writes the URL once with stand-in values; each must appear in it exactly once and verbatim,
// which holds for URL-safe values (base64url, UUIDs) that MSAL passes through. Otherwise — a MSAL
// that transforms them — every request asks MSAL, as before.
import { randomBytes, randomUUID } from 'node:crypto';

export interface AuthorizationValues {
  state: string;
  nonce: string;
  codeChallenge: string;
  correlationId: string;
}

export type MakeUrl = (values: AuthorizationValues) => Promise<string>;

const URL_SAFE = /^[\w-]+$/;
const FIELDS = ['state', 'nonce', 'codeChallenge', 'correlationId'] as const;

/** `make` (MSAL's getAuthCodeUrl for fixed settings) as a template, or `make` itself. */
export async function authorizationUrlTemplate(make: MakeUrl): Promise<{ url: MakeUrl; template: boolean }> {
  const stand = (): string => randomBytes(32).toString('base64url');
  const standIns: AuthorizationValues = { state: stand(), nonce: stand(), codeChallenge: stand(), correlationId: randomUUID() };
  const written = await make(standIns);
  const at = FIELDS.map((field) => ({ field, index: written.indexOf(standIns[field]) }));
  const once = at.every(({ field, index }) => index >= 0 && written.indexOf(standIns[field], index + 1) < 0);
  if (!once) return { url: make, template: false };

  // The URL as its constant pieces and, between them, which value goes where.
  at.sort((a, b) => a.index - b.index);
  const pieces: string[] = [];
  let from = 0;
  for (const { field, index } of at) {
    pieces.push(written.slice(from, index));
    from = index + standIns[field].length;
  }
  pieces.push(written.slice(from));
  const order = at.map(({ field }) => field);

  return {
    template: true,
    async url(values) {
      if (!FIELDS.every((field) => URL_SAFE.test(values[field]))) return make(values);
      let url = pieces[0]!;
      for (let i = 0; i < order.length; i += 1) url += values[order[i]!] + pieces[i + 1]!;
      return url;
    },
  };
}
