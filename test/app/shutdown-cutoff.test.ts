// Stopping (SIGTERM) does not wait for ever: requests in flight get IDP_TIMEOUT_MS + 5 s, then they
// are cut off, the log says so, and the process still closes the rest and exits 0.
//
// Every wait of the app's own is bounded by IDP_TIMEOUT_MS, so a request held on a slow B2C (as in
// shutdown.test.ts) ends by itself within it. What only the cut-off ends is a client: here one whose
// request never finishes arriving (a POST announcing 1 MB and sending 3 bytes). The app has already
// answered it (404: there is no POST route), yet Node counts it in flight until its body is in.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';

it('with IDP_TIMEOUT_MS=300, SIGTERM ends the process although a request never finishes: cut off, logged, exit 0', async () => {
  const [appPort, emulatorPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      DOTENV_PATH: '/nonexistent/.env',
      SERVER_PORT: String(appPort),
      EMULATOR_PORT: String(emulatorPort),
      SAMPLE_API_PORT: String(apiPort),
      IDP_TIMEOUT_MS: '300',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => (out.stdout += chunk));
  child.stderr.on('data', (chunk) => (out.stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let socket: ReturnType<typeof connect> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => out.stdout.includes('Demo user:') && resolve());
      child.on('exit', () => reject(new Error(`exited early: ${out.stderr}`)));
    });

    // The slow client: its request's head arrives, its body never does.
    socket = connect(appPort, '127.0.0.1');
    let received = '';
    const answered = new Promise<void>((resolve) => socket!.on('data', (chunk) => (received += chunk) && /\r\n\r\n/.test(received) && resolve()));
    const closed = once(socket, 'close');
    socket.on('error', () => {}); // the cut-off may reset it
    socket.write('POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n\r\nabc');
    await answered; // the app has it: its head was read and answered
    expect(received).toMatch(/^HTTP\/1\.1 404 /);

    child.kill('SIGTERM');
    await closed; // the server ended the connection: the client never sent the rest
    const [code, signal] = await exited;
    expect({ code, signal, stderr: out.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  } finally {
    socket?.destroy();
    child.kill('SIGKILL');
  }

  const records = out.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
  expect(records.filter((r) => r.msg !== 'request')).toEqual([
    expect.objectContaining({ level: 'info', msg: 'stopping: finishing requests in flight', signal: 'SIGTERM' }),
    // IDP_TIMEOUT_MS + 5 s, as configured: the value the log names, not a time measured here.
    expect.objectContaining({ level: 'warn', msg: 'requests still in flight after 5300 ms were cut off' }),
    expect.objectContaining({ level: 'info', msg: 'stopped', signal: 'SIGTERM' }),
  ]);
});
