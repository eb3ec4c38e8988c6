// The benchmark's B2C emulator, in a process of its own as the real B2C is remote: each app's
// process then runs that app alone (the emulator's oidc-provider would otherwise switch on an
// AsyncLocalStorage there, whose hooks on every promise cost an app ~20% of its throughput).
// Served over https, as B2C is: the tutorial's app and express-openid-connect discover the user
// flow's metadata over https and accept nothing else. `requirePkce: false` is B2C's rule for web
// apps (the tutorial's sends no challenge; ours and express-openid-connect's always do).
// Started by bench/servers.ts with every app's client as argv[2]; stops when its parent goes.
import type { DemoUser, EmulatorClient } from '../src/emulator/index.ts';
import { startSampleApi } from '../src/sample-api/index.ts';
import { startHttpsEmulator } from '../test/fixtures/https-emulator.ts';

export interface EmulatorReady {
  origin: string;
  /** The local CA that every client must trust (NODE_EXTRA_CA_CERTS, or an undici Agent). */
  caCertPath: string;
  authorities: { signUpSignIn: string; editProfile: string; resetPassword: string };
  demoUser: DemoUser;
  /** The sample web API, beside the emulator (it is remote to the app too). */
  api: { uri: string; scope: string };
}

const clients = JSON.parse(process.argv[2]!) as EmulatorClient[];
// Its CA is trusted by this process's fetch too: the sample API fetches the emulator's keys.
const idp = await startHttpsEmulator({ clients, requirePkce: false });
const { emulator } = idp;
const { flows } = emulator;
const sampleApi = await startSampleApi({
  port: 0,
  authority: emulator.authority(flows.signUpSignIn),
  audience: emulator.api.clientId,
  requiredScope: 'tasks.read',
  userFlows: Object.values(flows),
  timeoutMs: 10_000,
});
const ready: EmulatorReady = {
  origin: emulator.origin,
  caCertPath: idp.caCertPath,
  authorities: {
    signUpSignIn: emulator.authority(flows.signUpSignIn),
    editProfile: emulator.authority(flows.editProfile),
    resetPassword: emulator.authority(flows.resetPassword),
  },
  demoUser: emulator.demoUser,
  api: { uri: `${sampleApi.origin}/hello`, scope: emulator.api.scopes.find((scope) => scope.endsWith('/tasks.read'))! },
};
process.send!({ ready });
// The certificate directory goes with it.
process.on('disconnect', () => {
  void Promise.allSettled([idp.close(), sampleApi.close()]).finally(() => process.exit(0));
});
