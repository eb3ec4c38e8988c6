// The discovery document as Entra writes it for a v2.0 authority (see EXTERNAL-ID.md for the
// documents compared): a fixed set of fields, in Entra's order, each true of the emulator. Fields
// Entra lists for features the emulator lacks (userinfo at Graph, device code, front-channel logout,
// kerberos, its cloud-instance names) are left out rather than pointing nowhere.
import { EXTERNAL_ID_CLAIMS_SUPPORTED } from './claims.ts';

export function externalIdShaped(document: Record<string, unknown>): Record<string, unknown> {
  return {
    token_endpoint: document.token_endpoint,
    // Entra also lists private_key_jwt; the emulator's clients authenticate with secrets only.
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    jwks_uri: document.jwks_uri,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    // Entra lists the implicit and hybrid types too; the emulator serves the code flow only.
    response_types_supported: ['code'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: document.issuer,
    request_uri_parameter_supported: false,
    authorization_endpoint: document.authorization_endpoint,
    end_session_endpoint: document.end_session_endpoint,
    claims_supported: [...EXTERNAL_ID_CLAIMS_SUPPORTED],
  };
}
