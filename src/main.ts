// Entry: config -> (built-in emulator) -> app -> listen; graceful shutdown.
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createApp } from './app.ts';
import { createLogger, keepServingOnUnhandledRejection } from './log.ts';
import { startEmulator, type Emulator } from './emulator/index.ts';

loadDotenv({ quiet: true });

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}

let emulator: Emulator | null = null;
if (config.emulator) {
  emulator = await startEmulator({
    host: config.emulator.host,
    port: config.emulator.port,
    clients: [
      {
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        redirectUris: [config.redirectUri],
        postLogoutRedirectUris: [new URL(config.logoutEndpoint).searchParams.get('post_logout_redirect_uri') ?? new URL(config.redirectUri).origin],
      },
    ],
  });
}

const { app, close } = createApp(config);
const server = app.listen(config.port, () => {
  const appUrl = new URL(config.redirectUri).origin;
  console.log(`App listening at ${appUrl}`);
  if (emulator) {
    console.log(`Built-in Azure AD B2C emulator at ${emulator.origin} (set SIGN_UP_SIGN_IN_POLICY_AUTHORITY to use a real tenant)`);
    console.log(`Demo user: ${emulator.demoUser.email} / ${emulator.demoUser.password}`);
  }
});
server.on('error', (error: NodeJS.ErrnoException) => {
  console.error(`Cannot listen on port ${config.port}: ${error.code ?? error.message}`);
  process.exit(1);
});

keepServingOnUnhandledRejection(createLogger());

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: finishing requests in flight, then exiting`);
  server.close();
  server.closeIdleConnections();
  await Promise.allSettled([close(), emulator?.close()]);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
