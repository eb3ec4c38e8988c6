// XSTATE_INSPECT: each request's step of the session statechart streamed to the Stately Inspector
// through @statelyai/inspect, for developers (src/config.ts refuses it in production). Each browser
// session shows there as one actor of the session machine, moving from state to state.
//
// What is sent: the machine's definition (its config without the initial context), a name for the
// browser's session that is an HMAC of its reference under a key made at start-up (it cannot be
// turned back into a cookie or a store key, and is not the same after a restart), the event's type,
// and the state before and after. Never the event itself (a callback's code and state), the
// machine's context (the person, the transaction), a cookie or a header.
//
// The transport is @statelyai/inspect's WebSocket protocol (JSON inspection events, as its
// createWebSocketInspector sends them), with a connection of our own: that one retries on a timer
// forever while no inspector listens; this one connects when there is something to send.
import { createHmac, randomBytes } from 'node:crypto';
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import type { Context, Middleware } from 'koa';
import type { StateValue } from 'xstate';
import WebSocket from 'ws';
import { sessionMachine } from '../../machines/session.ts';

/** What the bridge records of a request's step (ctx.state.transition). */
interface Step {
  event: string;
  from: string;
  to: string;
}

/** Actors the inspector has been told of; the oldest are forgotten past this many. */
const KNOWN_MAX = 10_000;
/** Events kept while no inspector listens (the oldest dropped), as @statelyai/inspect does. */
const QUEUE_MAX = 200;
/** After a failed or lost connection, the next try waits for an event at least this much later. */
const RETRY_MS = 2_000;

/** `userFlow.authorizing.awaitingCallback` (the bridge's name of a state; the machine has no
 *  parallel states) as a state value. */
export function valueOf(name: string): StateValue {
  const [key, ...rest] = name.split('.');
  return rest.length ? { [key!]: valueOf(rest.join('.')) } : key!;
}

/** The inspection events as JSON over one WebSocket, opened when there is something to send. */
class Connection {
  #socket: WebSocket | undefined;
  #queue: string[] = [];
  #retryAt = 0;

  constructor(private readonly url: string) {}

  send(event: StatelyInspectionEvent): void {
    this.#queue.push(JSON.stringify(event));
    if (this.#queue.length > QUEUE_MAX) this.#queue.shift();
    this.#flush();
  }

  #flush(): void {
    const socket = this.#socket;
    if (socket?.readyState === WebSocket.OPEN) {
      for (const message of this.#queue.splice(0)) socket.send(message);
      return;
    }
    if (socket || Date.now() < this.#retryAt) return; // connecting, or resting after a failure
    const next = new WebSocket(this.url);
    this.#socket = next;
    next.on('open', () => this.#flush());
    next.on('error', () => {}); // 'close' follows
    next.on('close', () => {
      this.#socket = undefined;
      this.#retryAt = Date.now() + RETRY_MS;
    });
  }
}

/** The browser's session as the bridge names it; koa-session's key until it does. */
const sessionRefOf = (ctx: Context): string | undefined =>
  (ctx.state.sessionRef as string | undefined) ?? (ctx.session?.externalKey as string | undefined);

export function xstateInspect(url: string): Middleware {
  const inspector = createInspector(new Connection(url), {
    // A second guard on what leaves: whatever is passed below, only an event's type and no context.
    sanitizeEvent: (event) => ({ type: event.type }),
    sanitizeContext: () => ({}),
  });
  const key = randomBytes(32);
  const nameOf = (ref: string) => `session-${createHmac('sha256', key).update(ref).digest('base64url').slice(0, 16)}`;
  const { context: _initial, ...definition } = sessionMachine.config;
  const known = new Set<string>();

  function send(sessionId: string, step: Step) {
    if (!known.has(sessionId)) {
      known.add(sessionId);
      if (known.size > KNOWN_MAX) known.delete(known.values().next().value!);
      // An actor-like object: the inspector reads its id and the machine's definition from it.
      const actor = { sessionId, id: sessionId, logic: { config: definition }, send() {}, getSnapshot: () => undefined };
      inspector.actor(actor as unknown as Parameters<typeof inspector.actor>[0], { status: 'active', value: valueOf(step.from), context: {} });
    }
    const event = { type: step.event };
    inspector.event(sessionId, event);
    inspector.snapshot(sessionId, { status: 'active', value: valueOf(step.to), context: {} }, { event });
  }

  return async (ctx, next) => {
    try {
      await next();
    } finally {
      const step = ctx.state.transition as Step | undefined;
      const ref = step ? sessionRefOf(ctx) : undefined;
      if (step && ref) send(nameOf(ref), step);
    }
  };
}
