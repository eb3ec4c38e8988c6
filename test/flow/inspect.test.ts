// XSTATE_INSPECT: each request's step streamed to a Stately Inspector as @statelyai/inspect's
// WebSocket protocol carries it. Here a WebSocket server of the test's own on 127.0.0.1 stands in
// for the inspector's bridge: it gets what a developer would see (one actor per browser session,
// events by type, states before and after) and never a value of the session (the person, the
// sign-in's state, nonce or code, a cookie).
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { valueOf } from '../../src/flow/inspect.ts';
import { Browser } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

interface Frame {
  type: string;
  sessionId: string;
  event?: Record<string, unknown>;
  snapshot?: { value?: unknown; context?: unknown };
  name?: string;
  definition?: string;
  _version?: string;
}

/** The inspector's end of the socket: every frame received, and a wait for enough of them. */
class Receiver {
  readonly raw: string[] = [];
  #waiting: (() => void)[] = [];

  private constructor(readonly server: WebSocketServer) {
    server.on('connection', (socket) =>
      socket.on('message', (data) => {
        this.raw.push(data.toString());
        for (const wake of this.#waiting.splice(0)) wake();
      }));
  }

  static async start(): Promise<Receiver> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    return new Receiver(server);
  }

  get url() {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get frames(): Frame[] {
    return this.raw.map((text) => JSON.parse(text) as Frame);
  }

  get snapshots(): Frame[] {
    return this.frames.filter((f) => f.type === '@xstate.snapshot');
  }

  /** Resolves once `count` snapshots have arrived (no clock: the test's timeout is the limit). */
  async snapshotsReach(count: number): Promise<Frame[]> {
    while (this.snapshots.length < count) await new Promise<void>((wake) => this.#waiting.push(wake));
    return this.snapshots;
  }

  async close() {
    for (const client of this.server.clients) client.terminate();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let receiver: Receiver;
let stack: Stack;
/** What the journeys below leave: the snapshots received, and the session's secrets to look for. */
let snapshots: Frame[];
let secrets: Record<string, string>;

beforeAll(async () => {
  receiver = await Receiver.start();
  stack = await startStack({ XSTATE_INSPECT: receiver.url });

  const person = { email: `ins.${Date.now()}@example.com`, password: 'Secret123', givenName: 'Zebediah', surname: 'Quixote' };
  await stack.emulator.accounts.create(person);
  const ada = new Browser();
  const bea = new Browser();
  // 1. Ada starts a sign-in; 2. so does Bea; 3. Bea looks at the home page meanwhile.
  await ada.get(`${stack.appOrigin}/signin`);
  const authorize = new URL(ada.page.redirects.find((u) => u.includes('/authorize'))!);
  await receiver.snapshotsReach(1);
  await bea.get(`${stack.appOrigin}/signin`);
  await receiver.snapshotsReach(2);
  await bea.get(`${stack.appOrigin}/`);
  await receiver.snapshotsReach(3);
  // 4. Ada signs in (the callback, then the home page); 5. calls the API.
  await ada.submit('#next', { signInName: person.email, password: person.password });
  const callback = new URL(ada.page.redirects.find((u) => u.includes('/redirect?'))!);
  await ada.get(`${stack.appOrigin}/api`);
  snapshots = await receiver.snapshotsReach(6);

  secrets = {
    email: person.email,
    password: person.password,
    givenName: person.givenName,
    surname: person.surname,
    code: callback.searchParams.get('code')!,
    state: callback.searchParams.get('state')!,
    nonce: authorize.searchParams.get('nonce')!,
    ...Object.fromEntries([...ada.jar.all(), ...bea.jar.all()].map((c, i) => [`cookie ${i} ${c.name}`, c.value])),
  };
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

describe('XSTATE_INSPECT: sessions streamed to the Stately Inspector', () => {
  it('sends each step as the event’s type and a snapshot of the state after it', () => {
    const waiting = valueOf('userFlow.authorizing.awaitingCallback');
    expect(waiting).toEqual({ userFlow: { authorizing: 'awaitingCallback' } });
    expect(snapshots.map((s) => [s.event, s.snapshot!.value])).toEqual([
      [{ type: 'SIGN_IN' }, waiting],
      [{ type: 'SIGN_IN' }, waiting],
      [{ type: 'SHOW' }, waiting],
      [{ type: 'CALLBACK' }, 'signedIn'],
      [{ type: 'SHOW' }, 'signedIn'],
      [{ type: 'CALL_API' }, 'signedIn'],
    ]);
    // Each snapshot follows the event that caused it, sent to the same actor.
    const events = receiver.frames.filter((f) => f.type === '@xstate.event');
    expect(events.map((e) => [e.sessionId, e.event])).toEqual(snapshots.map((s) => [s.sessionId, s.event]));
    for (const frame of receiver.frames) expect(frame._version, 'the inspector protocol’s frames').toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('announces each session once, as an actor of the session machine found in its state', () => {
    const actors = receiver.frames.filter((f) => f.type === '@xstate.actor');
    expect(new Set(actors.map((a) => a.sessionId))).toEqual(new Set(snapshots.map((s) => s.sessionId)));
    expect(actors.map((a) => a.sessionId)).toHaveLength(new Set(actors.map((a) => a.sessionId)).size);
    expect(actors.find((a) => a.sessionId === snapshots[0]!.sessionId)!.snapshot!.value).toBe('signedOut');
    const definition = JSON.parse(actors[0]!.definition!) as { id: string; states: Record<string, unknown>; context?: unknown };
    expect(definition.id).toBe('session');
    expect(Object.keys(definition.states)).toEqual(expect.arrayContaining(['signedOut', 'userFlow', 'redeeming', 'callingApi']));
    expect(definition).not.toHaveProperty('context');
  });

  it('never sends a value of the session: no context, no event payload, no name, email, code, state, nonce or cookie', () => {
    for (const frame of receiver.frames) {
      if (frame.snapshot && 'context' in frame.snapshot) expect(frame.snapshot.context).toEqual({});
      if (frame.event) expect(Object.keys(frame.event)).toEqual(['type']);
    }
    const sent = receiver.raw.join('\n');
    expect(Object.keys(secrets).length).toBeGreaterThan(7); // cookies were set, so they were checked
    for (const [what, value] of Object.entries(secrets)) {
      expect(value.length, what).toBeGreaterThan(3);
      expect(sent.includes(value), `${what} was sent to the inspector`).toBe(false);
    }
  });

  it('names each browser’s session by a hash, the same for its requests, another for another browser', () => {
    const [adaStarts, beaStarts, beaLooks, adaSignsIn, adaHome, adaApi] = snapshots.map((s) => s.sessionId);
    for (const id of snapshots.map((s) => s.sessionId)) expect(id).toMatch(/^session-[\w-]{16}$/);
    expect(beaStarts).not.toBe(adaStarts);
    expect(beaLooks, 'a visitor’s second request').toBe(beaStarts);
    expect(adaApi, 'signed in').toBe(adaHome);
    expect(beaStarts).not.toBe(adaHome);
    // The callback is told under Ada's session as it was, or as sign-in renewed it.
    expect([adaStarts, adaHome]).toContain(adaSignsIn);
  });
});
