// `npm run emulator`: the emulator on its own, configured like the app (.env / environment).
import 'dotenv/config';

import { startEmulator } from './index.ts';

const env = (name: string, fallback: string): string => process.env[name]?.trim() || fallback;

const port = Number(env('EMULATOR_PORT', '3001'));
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`EMULATOR_PORT must be a port number, got ${JSON.stringify(process.env.EMULATOR_PORT)}`);
  process.exit(1);
}

const emulator = await startEmulator({
  host: env('EMULATOR_HOST', '127.0.0.1'),
  port,
  clients: [{
    clientId: env('APP_CLIENT_ID', 'emulator-client'),
    clientSecret: env('APP_CLIENT_SECRET', 'emulator-secret'),
    redirectUris: [env('APP_REDIRECT_URI', 'http://localhost:3000/redirect')],
    postLogoutRedirectUris: [env('EMULATOR_POST_LOGOUT_URI', 'http://localhost:3000')],
  }],
});

const { flows, demoUser } = emulator;
console.log(`Azure AD B2C emulator listening on ${emulator.origin}`);
console.log(`  sign-up/sign-in:  ${emulator.authority(flows.signUpSignIn)}`);
console.log(`  profile edit:     ${emulator.authority(flows.editProfile)}`);
console.log(`  password reset:   ${emulator.authority(flows.resetPassword)}`);
console.log(`  issuer:           ${emulator.issuer}`);
console.log(`  demo user:        ${demoUser.email} / ${demoUser.password}`);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received, stopping the emulator`);
  emulator.close().then(() => process.exit(0), (err: unknown) => {
    console.error('the emulator did not stop cleanly', err);
    process.exit(1);
  });
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));
