// The benchmark's B2C emulator, in a process of its own as the real B2C is remote: the app's
// process then runs the app alone (the emulator's oidc-provider would otherwise switch on an
// AsyncLocalStorage there, whose hooks on every promise cost the app ~20% of its throughput).
// Started by bench/servers.ts with the app's client as argv[2]; stops when its parent goes.
import { startEmulator, type DemoUser, type EmulatorClient } from '../src/emulator/index.ts';
import { startSampleApi } from '../src/sample-api/index.ts';

export interface EmulatorReady {
  origin: string;
  authorities: { signUpSignIn: string; editProfile: string; resetPassword: string };
  demoUser: DemoUser;
  /** The sample web API, beside the emulator (it is remote to the app too). */
  api: { uri: string; scope: string };
}

const client = JSON.parse(process.argv[2]!) as EmulatorClient;
const emulator = await startEmulator({ port: 0, clients: [client] });
const { flows } = emulator;
const sampleApi = await startSampleApi({
  port: 0,
  authority: emulator.authority(flows.signUpSignIn),
  audience: emulator.api.clientId,
  requiredScope: 'tasks.read',
  userFlows: Object.values(flows),
  timeoutMs: 10_000,
});
process.send!({
  origin: emulator.origin,
  authorities: {
    signUpSignIn: emulator.authority(flows.signUpSignIn),
    editProfile: emulator.authority(flows.editProfile),
    resetPassword: emulator.authority(flows.resetPassword),
  },
  demoUser: emulator.demoUser,
  api: { uri: `${sampleApi.origin}/hello`, scope: emulator.api.scopes.find((scope) => scope.endsWith('/tasks.read'))! },
} satisfies EmulatorReady);
process.on('disconnect', () => {
  void Promise.allSettled([emulator.close(), sampleApi.close()]).finally(() => process.exit(0));
});
