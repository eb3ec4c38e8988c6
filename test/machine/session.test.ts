// The statechart alone, transition by transition: its effects are provided here as recorders, so
// each test reads as "in this state, this event, this answer, that state".
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import type { AnyActorRef, Snapshot } from 'xstate';
import { CANCELLED_NOTICE, EXPIRED_NOTICE, sessionMachine } from '../../machines/session.ts';
import type { ApiAnswer, AuthorizationStart, CallbackParams, Flow, Problem, SessionEvent, Transaction, User } from '../../machines/session.ts';

interface Answer {
  page?: string;
  problem?: Problem;
  api?: ApiAnswer;
  redirect?: string;
  renewed?: boolean;
  ended?: User | null;
}

const alice: User = { accountId: 'alice-oid', givenName: 'Alice', name: 'Alice Liddell' };
const alicia: User = { ...alice, givenName: 'Alicia' };

/** A fake identity provider for the machine: each authorize gets a new state, redeem returns `user`. */
function world(options: { authorizeFails?: Problem; redeemFails?: Problem; user?: User; apiConfigured?: boolean; api?: () => ApiAnswer; offers?: { editProfile: boolean; resetPassword: boolean } } = {}) {
  let counter = 0;
  const answers = new WeakMap<AnyActorRef, Answer>();
  const machine = sessionMachine.provide({
    actions: {
      render: ({ self }, p) =>
        Object.assign(answers.get(self)!, p.page === 'home' ? { page: 'home' } : p.page === 'problem' ? { page: 'problem', problem: p.problem } : { page: 'api', api: p.answer }),
      redirect: ({ self }, p) => (answers.get(self)!.redirect = p.url),
      renewSession: ({ self }) => (answers.get(self)!.renewed = true),
      endSession: ({ self }, p) => (answers.get(self)!.ended = p.user),
    },
    actors: {
      authorize: fromPromise<AuthorizationStart, { flow: Flow }>(async ({ input }) => {
        if (options.authorizeFails) throw options.authorizeFails;
        counter += 1;
        const state = `state-${counter}`;
        return { url: `https://idp.test/${input.flow}?state=${state}`, transaction: { flow: input.flow, state, nonce: `n${counter}`, codeVerifier: `v${counter}`, startedAt: 0, expiresAt: 600_000 } };
      }),
      redeem: fromPromise<User, { transaction: Transaction; params: CallbackParams }>(async () => {
        if (options.redeemFails) throw options.redeemFails;
        return options.user ?? alice;
      }),
      callApi: fromPromise<ApiAnswer, { user: User }>(async ({ input }) => options.api?.() ?? { status: 200, body: JSON.stringify({ name: input.user.name }) }),
    },
    guards: {
      apiConfigured: () => options.apiConfigured ?? true,
      editProfileOffered: () => options.offers?.editProfile ?? true,
      resetPasswordOffered: () => options.offers?.resetPassword ?? true,
    },
  });

  let saved: Snapshot<unknown> | undefined;
  /** One HTTP request: restore, send, settle, persist (through JSON, as a store would). */
  async function request(event: SessionEvent) {
    const actor = createActor(machine, saved ? { snapshot: saved } : {});
    const answer: Answer = {};
    answers.set(actor, answer);
    actor.start();
    actor.send(event);
    const snapshot = await waitFor(actor, (s) => !s.hasTag('busy'));
    saved = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
    actor.stop();
    return { answer, state: snapshot.value, context: snapshot.context };
  }
  return { request };
}

const callback = (params: Record<string, string>, at = 1_000): SessionEvent => ({
  type: 'CALLBACK',
  params: { state: params.state, code: params.code, error: params.error, errorDescription: params.error_description },
  at,
});

async function signedIn(w = world()) {
  await w.request({ type: 'SIGN_IN' });
  await w.request(callback({ state: 'state-1', code: 'c' }));
  return w;
}

describe('session machine', () => {
  it('starts signed out and shows the sign-in page', async () => {
    const { answer, state } = await world().request({ type: 'SHOW' });
    expect(state).toBe('signedOut');
    expect(answer).toEqual({ page: 'home' });
  });

  it('sign-in opens a transaction and redirects to the user flow', async () => {
    const { answer, state, context } = await world().request({ type: 'SIGN_IN' });
    expect(state).toEqual({ userFlow: { authorizing: 'awaitingCallback' } });
    expect(answer.redirect).toBe('https://idp.test/signUpSignIn?state=state-1');
    expect(context.transaction?.state).toBe('state-1');
  });

  it('a matching callback with a code signs in, renews the session and drops the transaction', async () => {
    const w = world();
    await w.request({ type: 'SIGN_IN' });
    const { answer, state, context } = await w.request(callback({ state: 'state-1', code: 'c' }));
    expect(state).toBe('signedIn');
    expect(answer).toEqual({ redirect: '/', renewed: true });
    expect(context.user).toEqual(alice);
    expect(context.transaction).toBeNull();
  });

  it('a callback with another state is refused and the transaction kept', async () => {
    const w = world();
    await w.request({ type: 'SIGN_IN' });
    const { answer, state, context } = await w.request(callback({ state: 'forged', code: 'c' }));
    expect(answer.problem?.status).toBe(400);
    expect(state).toEqual({ userFlow: { authorizing: 'awaitingCallback' } });
    expect(context.transaction?.state).toBe('state-1');
    expect((await w.request(callback({ state: 'state-1', code: 'c' }))).state).toBe('signedIn');
  });

  it('a callback without state is refused', async () => {
    const w = world();
    await w.request({ type: 'SIGN_IN' });
    expect((await w.request(callback({ code: 'c' }))).answer.problem?.status).toBe(400);
  });

  it('a replayed callback after sign-in is refused and the user stays signed in', async () => {
    const w = await signedIn();
    const { answer, state, context } = await w.request(callback({ state: 'state-1', code: 'c' }));
    expect(answer.problem?.status).toBe(400);
    expect(state).toBe('signedIn');
    expect(context.user).toEqual(alice);
  });

  it('an unexpected callback while signed out is refused', async () => {
    const { answer, state } = await world().request(callback({ state: 'x', code: 'c' }));
    expect(answer.problem?.status).toBe(400);
    expect(state).toBe('signedOut');
  });

  it('"Forgot your password?" leads into the password-reset flow, then signs in', async () => {
    const w = world();
    await w.request({ type: 'SIGN_IN' });
    const forgot = await w.request(callback({ state: 'state-1', error: 'access_denied', error_description: 'AADB2C90118: The user has forgotten their password.\r\nCorrelation ID: x' }));
    expect(forgot.state).toEqual({ userFlow: { resettingPassword: 'awaitingCallback' } });
    expect(forgot.answer.redirect).toBe('https://idp.test/resetPassword?state=state-2');
    const done = await w.request(callback({ state: 'state-2', code: 'c' }));
    expect(done.state).toBe('signedIn');
  });

  it('cancel at sign-in returns signed out with the message, shown once', async () => {
    const w = world();
    await w.request({ type: 'SIGN_IN' });
    const cancel = await w.request(callback({ state: 'state-1', error: 'access_denied', error_description: 'AADB2C90091: The user has cancelled the operation.' }));
    expect(cancel.state).toBe('signedOut');
    expect(cancel.answer.redirect).toBe('/');
    expect(cancel.context.notice).toBe(CANCELLED_NOTICE);
    expect((await w.request({ type: 'SHOW' })).context.notice).toBeNull();
  });

  it('another error from the provider shows a 400 page and returns where the person was', async () => {
    const w = world();
    await w.request({ type: 'SIGN_IN' });
    const { answer, state } = await w.request(callback({ state: 'state-1', error: 'server_error', error_description: 'AADB2C90000: Boom\r\nCorrelation ID: 1' }));
    expect(answer.problem).toMatchObject({ status: 400 });
    expect(answer.problem?.detail).toContain('AADB2C90000: Boom');
    expect(answer.problem?.detail).not.toContain('Correlation');
    expect(state).toBe('signedOut');
  });

  it('a matching callback without code or error is refused and the transaction dropped', async () => {
    const w = world();
    await w.request({ type: 'SIGN_IN' });
    const { answer, state, context } = await w.request(callback({ state: 'state-1' }));
    expect(answer.problem?.status).toBe(400);
    expect(state).toBe('signedOut');
    expect(context.transaction).toBeNull();
  });

  it('a failing authorize shows its problem and stays signed out', async () => {
    const unavailable = { status: 503, title: 'down', detail: 'try later' };
    const { answer, state } = await world({ authorizeFails: unavailable }).request({ type: 'SIGN_IN' });
    expect(answer.problem).toEqual(unavailable);
    expect(state).toBe('signedOut');
  });

  it('a failing redemption shows its problem and stays signed out', async () => {
    const rejected = { status: 401, title: 'rejected', detail: 'no' };
    const w = world({ redeemFails: rejected });
    await w.request({ type: 'SIGN_IN' });
    const { answer, state, context } = await w.request(callback({ state: 'state-1', code: 'c' }));
    expect(answer.problem).toEqual(rejected);
    expect(state).toBe('signedOut');
    expect(context.transaction).toBeNull();
  });

  it('edit profile from signed in returns signed in with the new name', async () => {
    const w = await signedIn(world({ user: alicia }));
    const start = await w.request({ type: 'EDIT_PROFILE' });
    expect(start.state).toEqual({ userFlow: { editingProfile: 'awaitingCallback' } });
    const done = await w.request(callback({ state: 'state-2', code: 'c' }));
    expect(done.state).toBe('signedIn');
    expect(done.context.user?.givenName).toBe('Alicia');
  });

  it('cancel in edit profile and in password reset returns signed in with the message', async () => {
    const w = await signedIn();
    for (const [event, state] of [['EDIT_PROFILE', 'state-2'], ['RESET_PASSWORD', 'state-3']] as const) {
      await w.request({ type: event });
      const cancel = await w.request(callback({ state, error: 'access_denied', error_description: 'AADB2C90091: The user has cancelled the operation.' }));
      expect(cancel.state).toBe('signedIn');
      expect(cancel.context.notice).toBe(CANCELLED_NOTICE);
      expect(cancel.context.user).toEqual(alice);
    }
  });

  it('a forgot-password answer outside sign-in is treated as an error', async () => {
    const w = await signedIn();
    await w.request({ type: 'EDIT_PROFILE' });
    const { answer, state } = await w.request(callback({ state: 'state-2', error: 'access_denied', error_description: 'AADB2C90118: forgot' }));
    expect(answer.problem?.status).toBe(400);
    expect(state).toBe('signedIn');
  });

  it('edit profile while signed out asks to sign in first', async () => {
    const { answer, state, context } = await world().request({ type: 'EDIT_PROFILE' });
    expect(state).toBe('signedOut');
    expect(answer.redirect).toBe('/');
    expect(context.notice).toMatch(/sign in/i);
  });

  it('password reset while signed out runs the reset flow and signs in', async () => {
    const w = world();
    expect((await w.request({ type: 'RESET_PASSWORD' })).state).toEqual({ userFlow: { resettingPassword: 'awaitingCallback' } });
    expect((await w.request(callback({ state: 'state-1', code: 'c' }))).state).toBe('signedIn');
  });

  it('a new sign-in in another tab supersedes the first; the older callback is refused', async () => {
    const w = world();
    await w.request({ type: 'SIGN_IN' });
    const again = await w.request({ type: 'SIGN_IN' });
    expect(again.context.transaction?.state).toBe('state-2');
    expect((await w.request(callback({ state: 'state-1', code: 'old' }))).answer.problem?.status).toBe(400);
    expect((await w.request(callback({ state: 'state-2', code: 'new' }))).state).toBe('signedIn');
  });

  it('home while a flow is open shows the page of where the person was', async () => {
    const w = await signedIn();
    await w.request({ type: 'EDIT_PROFILE' });
    const { answer, state } = await w.request({ type: 'SHOW' });
    expect(answer.page).toBe('home');
    expect(state).toEqual({ userFlow: { editingProfile: 'awaitingCallback' } });
  });

  it('a notice shows once even while a flow is open', async () => {
    const w = world();
    await w.request({ type: 'EDIT_PROFILE' }); // signed out: "Please sign in to edit your profile"
    await w.request({ type: 'SIGN_IN' });
    expect((await w.request({ type: 'SHOW' })).answer.page).toBe('home');
    expect((await w.request({ type: 'SHOW' })).context.notice).toBeNull();
  });

  it('another button while a flow is open starts that flow instead', async () => {
    const w = await signedIn();
    await w.request({ type: 'EDIT_PROFILE' });
    const { state, answer, context } = await w.request({ type: 'RESET_PASSWORD' });
    expect(state).toEqual({ userFlow: { resettingPassword: 'awaitingCallback' } });
    expect(answer.redirect).toContain('resetPassword');
    expect(context.transaction?.flow).toBe('resetPassword');
  });

  it('sign-out from anywhere ends the session with the user to forget', async () => {
    const w = await signedIn();
    await w.request({ type: 'EDIT_PROFILE' });
    const { answer, state, context } = await w.request({ type: 'SIGN_OUT' });
    expect(answer.ended).toEqual(alice);
    expect(state).toBe('signedOut');
    expect(context).toEqual({ user: null, transaction: null, notice: null, resume: null });
  });

  it('a callback after the transaction expired is refused, the transaction dropped', async () => {
    const w = world();
    await w.request({ type: 'SIGN_IN' });
    const late = await w.request(callback({ state: 'state-1', code: 'c' }, 600_001));
    expect(late.answer.problem).toMatchObject({ status: 400, title: 'This sign-in took too long' });
    expect(late.state).toBe('signedOut');
    expect(late.context.transaction).toBeNull();
    expect((await w.request(callback({ state: 'state-1', code: 'c' }, 1_000))).answer.problem?.status).toBe(400);
  });

  it('an expired session forgets the user and the transaction and says so once', async () => {
    const w = await signedIn();
    await w.request({ type: 'EDIT_PROFILE' });
    const { state, context } = await w.request({ type: 'EXPIRE' });
    expect(state).toBe('signedOut');
    expect(context).toEqual({ user: null, transaction: null, notice: EXPIRED_NOTICE, resume: null });
    expect((await w.request({ type: 'SHOW' })).context.notice).toBeNull();
  });

  it('sign-in while signed in goes home', async () => {
    const w = await signedIn();
    const { answer, state } = await w.request({ type: 'SIGN_IN' });
    expect(answer).toEqual({ redirect: '/' });
    expect(state).toBe('signedIn');
  });
});

describe('session machine: the web API', () => {
  const signInNeeded = () => {
    throw Object.assign(new Error('sign in'), { needsSignIn: true });
  };
  const apiDown = { status: 502, title: 'The web API failed', detail: 'try later' };

  it('signed in: calls the API and shows its answer, still signed in', async () => {
    const w = await signedIn();
    const { answer, state, context } = await w.request({ type: 'CALL_API' });
    expect(answer).toEqual({ page: 'api', api: { status: 200, body: '{"name":"Alice Liddell"}' } });
    expect(state).toBe('signedIn');
    expect(context.user).toEqual(alice);
  });

  it('signed out: signs in first, then goes on to /api (the machine’s URL, not the request’s)', async () => {
    const w = world();
    const start = await w.request({ type: 'CALL_API' });
    expect(start.state).toEqual({ userFlow: { authorizing: 'awaitingCallback' } });
    expect(start.context.resume).toBe('api');
    const done = await w.request(callback({ state: 'state-1', code: 'c' }));
    expect(done.answer).toEqual({ redirect: '/api', renewed: true });
    expect((await w.request({ type: 'CALL_API' })).answer.page).toBe('api');
  });

  it('a token only a sign-in can renew: signs in again, once, then calls', async () => {
    let calls = 0;
    const w = await signedIn(world({ api: () => (++calls === 1 ? signInNeeded() : { status: 200, body: 'ok' }) }));
    const first = await w.request({ type: 'CALL_API' });
    expect(first.state).toEqual({ userFlow: { authorizing: 'awaitingCallback' } });
    expect(first.context.user).toEqual(alice);
    expect((await w.request(callback({ state: 'state-2', code: 'c' }))).answer.redirect).toBe('/api');
    const after = await w.request({ type: 'CALL_API' });
    expect(after.answer.api).toEqual({ status: 200, body: 'ok' });
    expect(after.context.resume).toBeNull();
  });

  it('still refused right after that sign-in: a page, not another round trip to B2C', async () => {
    const w = await signedIn(world({ api: signInNeeded }));
    await w.request({ type: 'CALL_API' });
    await w.request(callback({ state: 'state-2', code: 'c' }));
    const { answer, state, context } = await w.request({ type: 'CALL_API' });
    expect(answer.problem).toMatchObject({ status: 502, title: 'The web API still refuses your sign-in' });
    expect(state).toBe('signedIn');
    expect(context.resume).toBeNull();
  });

  it('an API failure shows its problem and leaves the person signed in', async () => {
    const w = await signedIn(world({ api: () => { throw apiDown; } }));
    const { answer, state, context } = await w.request({ type: 'CALL_API' });
    expect(answer.problem).toEqual(apiDown);
    expect([state, context.user]).toEqual(['signedIn', alice]);
  });

  it('a cancelled sign-in for the API forgets it was for the API', async () => {
    const w = world();
    await w.request({ type: 'CALL_API' });
    const cancel = await w.request(callback({ state: 'state-1', error: 'access_denied', error_description: 'AADB2C90091: The user has cancelled the operation.' }));
    expect(cancel.state).toBe('signedOut');
    expect(cancel.context.resume).toBeNull();
  });

  it('with no API configured: a page saying so, signed in or out, nothing started', async () => {
    const w = world({ apiConfigured: false });
    const out = await w.request({ type: 'CALL_API' });
    expect([out.state, out.answer.problem?.status]).toEqual(['signedOut', 404]);
    await signedIn(w);
    const inside = await w.request({ type: 'CALL_API' });
    expect([inside.state, inside.answer.problem?.title]).toEqual(['signedIn', 'No web API is configured']);
  });
});

describe('what the identity provider offers (External ID: no profile edit, password reset inside sign-in)', () => {
  const externalId = { editProfile: false, resetPassword: false };

  it('signed in: edit profile and reset password answer a page saying so, and nothing is started', async () => {
    const w = await signedIn(world({ offers: externalId }));
    const edit = await w.request({ type: 'EDIT_PROFILE' });
    expect([edit.state, edit.answer.problem?.title, edit.context.transaction]).toEqual(['signedIn', 'Profile editing is not offered', null]);
    const reset = await w.request({ type: 'RESET_PASSWORD' });
    expect([reset.state, reset.answer.problem?.title, reset.answer.problem?.status, reset.context.user]).toEqual(['signedIn', 'Password reset is part of sign-in', 404, alice]);
  });

  it('signed out: the same pages, no redirect to sign in first', async () => {
    const w = world({ offers: externalId });
    const edit = await w.request({ type: 'EDIT_PROFILE' });
    expect([edit.state, edit.answer.redirect, edit.answer.problem?.status]).toEqual(['signedOut', undefined, 404]);
    const reset = await w.request({ type: 'RESET_PASSWORD' });
    expect([reset.state, reset.answer.problem?.detail]).toEqual(['signedOut', 'To reset your password, choose "Forgot password?" on the sign-in page. Nothing has changed.']);
  });

  it('a button pressed while signing in abandons that sign-in and answers the same page', async () => {
    const w = world({ offers: externalId });
    await w.request({ type: 'SIGN_IN' });
    const edit = await w.request({ type: 'EDIT_PROFILE' });
    expect([edit.state, edit.answer.problem?.title, edit.context.transaction]).toEqual(['signedOut', 'Profile editing is not offered', null]);
  });

  it('sign-in, the API call and sign-out work as with B2C', async () => {
    const w = await signedIn(world({ offers: externalId }));
    expect((await w.request({ type: 'CALL_API' })).answer.api?.status).toBe(200);
    expect((await w.request({ type: 'SIGN_OUT' })).state).toBe('signedOut');
  });
});
