// The Azure AD B2C emulator (and its Microsoft Entra External ID mode): what the app (and its tests) may use.
export { startEmulator } from './server.ts';
export type { CertificatePaths } from './certificates.ts';
export { DEFAULT_FLOWS, DEMO_USER } from './options.ts';
export type { DemoUser, Emulator, EmulatorClient, EmulatorMode, EmulatorOptions, RecordedTokenRequest, UserFlows } from './options.ts';
export { EXTERNAL_ID_FLOW, EXTERNAL_ID_TENANT_ID } from './external-id/tenant.ts';
export type { InboxMessage, OtpPurpose } from './external-id/inbox.ts';
export { DEFAULT_API } from './api.ts';
export type { ApiOptions, EmulatorApi } from './api.ts';
export { DEFAULT_LIFETIMES } from './lifetimes.ts';
export type { TokenLifetimes } from './lifetimes.ts';
export { DEFAULT_LOCKOUT } from './lockout.ts';
export type { LockoutSettings } from './lockout.ts';
export { AccountExistsError, AccountNotFoundError, InMemoryAccountStore } from './accounts.ts';
export type { Account, AccountStore, NewAccount, ProfileChanges } from './accounts.ts';
export { OTHER_TENANT_ID } from './faults.ts';
export type { FaultSwitches, IdTokenFault, TokenEndpointFault } from './faults.ts';
