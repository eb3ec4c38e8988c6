// The Azure AD B2C emulator: what the app (and its tests) may use.
export { startEmulator } from './server.ts';
export { DEFAULT_FLOWS, DEMO_USER } from './options.ts';
export type { DemoUser, Emulator, EmulatorClient, EmulatorOptions, UserFlows } from './options.ts';
export { AccountExistsError, AccountNotFoundError, InMemoryAccountStore } from './accounts.ts';
export type { Account, AccountStore, NewAccount, ProfileChanges } from './accounts.ts';
export type { FaultSwitches, IdTokenFault, TokenEndpointFault } from './faults.ts';
