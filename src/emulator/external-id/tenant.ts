// Microsoft Entra External ID's tenant as the emulator plays it: one authority named by the tenant id,
// and one user flow that the app registration is attached to (it never appears in a URL).
import type { Tenant } from '../options.ts';

/** The tenant id the emulator uses unless told otherwise; the app's built-in emulator settings name the same one. */
export const EXTERNAL_ID_TENANT_ID = 'a1b2c3d4-0000-4000-8000-00000000e1d0';

/**
 * The internal name of the one user flow. External ID puts no flow in URLs or tokens; the emulator
 * still needs a name for the journeys, refresh tokens and tokenRequests it records.
 */
export const EXTERNAL_ID_FLOW = 'SignUpSignIn';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function resolveExternalIdTenant(name: string, tenantId: string | undefined): Tenant {
  const id = tenantId ?? EXTERNAL_ID_TENANT_ID;
  if (typeof id !== 'string' || !GUID.test(id)) {
    throw new TypeError(`tenantId must be a GUID in lower case such as "${EXTERNAL_ID_TENANT_ID}", got ${JSON.stringify(id)}`);
  }
  // Only sign-up/sign-in exists; the other two are empty names, which no URL can address.
  return { mode: 'external-id', name, id, domain: `${name}.onmicrosoft.com`, flows: { signUpSignIn: EXTERNAL_ID_FLOW, editProfile: '', resetPassword: '' } };
}
