// The lifecycle of one browser's session, as one statechart.
//
// Pure: no Koa, no MSAL, no I/O. Every effect is a named action or actor whose implementation is
// provided from src/ (see src/http/session-machine.ts), so this file opens unchanged in the Stately
// editor and drives the model-based tests. Action params are literals wherever they can be: the
// editor reads no others (test/flow/stately-extractor.test.ts lists the three it cannot). Each HTTP
// request restores the persisted snapshot, sends one event and waits until no state tagged `busy`
// is active.
import { assign, enqueueActions, raise, setup } from 'xstate';
import type { ParameterizedObject, PromiseActorLogic } from 'xstate';

import type { ApiAnswer, AuthorizationStart, CallbackParams, Flow, Problem, SessionContext, SessionEvent, Transaction, User } from './session.types.ts';

export type * from './session.types.ts';

export const CANCELLED_NOTICE = 'User has cancelled the operation';
export const EXPIRED_NOTICE = 'Your session has expired. Please sign in again.';

// B2C reports these through `error_description`, which starts with the code.
const FORGOT_PASSWORD = 'AADB2C90118';
const CANCELLED = 'AADB2C90091';

const callbackOf = (event: SessionEvent): CallbackParams => (event.type === 'CALLBACK' ? event.params : {});

const describes = (code: string) => ({ event }: { event: SessionEvent }) =>
  callbackOf(event).errorDescription?.startsWith(code) ?? false;

/** Anything thrown by a provided actor becomes a Problem; unknown errors become a generic 502. */
export function problemOf(error: unknown): Problem {
  const e = error as Partial<Problem> | null;
  if (e && typeof e.status === 'number' && typeof e.title === 'string' && typeof e.detail === 'string') {
    return { status: e.status, title: e.title, detail: e.detail };
  }
  return {
    status: 502,
    title: 'Sign-in service error',
    detail: 'The identity provider did not answer as expected. Please try again.',
  };
}

/** What the API actor throws when only a new sign-in can get a token the API accepts. */
export const needsSignIn = (error: unknown): boolean => (error as { needsSignIn?: unknown } | null)?.needsSignIn === true;

// The problems the machine answers with, by name: transitions name them (`showProblem`), so that
// the machine as Stately's tools read it (literal params only) says which.
const PROBLEMS = {
  staleCallback: {
    status: 400,
    title: 'This sign-in response is not expected',
    detail: 'It has already been used, or it was not started from this browser. Nothing has changed.',
  },
  stateMismatch: {
    status: 400,
    title: 'This sign-in response does not match',
    detail: 'It belongs to another or an older sign-in attempt (another tab?). Please start again.',
  },
  transactionExpired: {
    status: 400,
    title: 'This sign-in took too long',
    detail: 'The sign-in was started too long ago to be completed safely. Please sign in again.',
  },
  missingCode: {
    status: 400,
    title: 'The sign-in response is incomplete',
    detail: 'The identity provider sent no authorization code. Please start again.',
  },
  noApi: {
    status: 404,
    title: 'No web API is configured',
    detail: 'This app has no API to call (WEB_API_URI and WEB_API_SCOPES are not set). Nothing has changed.',
  },
  editProfileNotOffered: {
    status: 404,
    title: 'Profile editing is not offered',
    detail: 'Your sign-in provider has no profile-editing flow. Nothing has changed.',
  },
  resetPasswordNotOffered: {
    status: 404,
    title: 'Password reset is part of sign-in',
    detail: 'To reset your password, choose "Forgot password?" on the sign-in page. Nothing has changed.',
  },
  apiStillRefuses: {
    status: 502,
    title: 'The web API still refuses your sign-in',
    detail: 'You signed in again, but the API did not accept the token it was given. Please try again later.',
  },
} satisfies Record<string, Problem>;

/** What an invoked actor's done event carries (the actions using it run on that event only). */
const outputOf = <T>(event: { type: string }) => (event as unknown as { output: T }).output;
const errorOf = (event: { type: string }) => (event as { error?: unknown }).error;

type RenderParams = { page: 'home' } | { page: 'problem'; problem: Problem } | { page: 'api'; answer: ApiAnswer };
/** The effects provided from src/ that the actions below hand on. */
type Effect = { type: 'render'; params: RenderParams } | { type: 'redirect'; params: { url: string } };

/** An action that hands a provided effect what `compute` makes of the event (and its params). */
function handOn<TParams extends ParameterizedObject['params'] | undefined = undefined>(compute: (event: SessionEvent, params: TParams) => Effect) {
  return enqueueActions<SessionContext, SessionEvent, TParams, SessionEvent, never, Effect, never>(({ event, enqueue }, params) => enqueue(compute(event, params)));
}

function idpError(params: CallbackParams): Problem {
  // Only the first line: B2C appends correlation ids and timestamps.
  const firstLine = (params.errorDescription ?? '').split(/\r?\n/)[0]!.slice(0, 300);
  return {
    status: 400,
    title: 'Sign-in did not complete',
    detail: `The identity provider answered "${params.error}"${firstLine ? `: ${firstLine}` : ''}.`,
  };
}

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
  },
  actions: {
    // Implemented in src/: answer the request with a page, or with a redirect.
    render: (_, _params: RenderParams) => {},
    redirect: (_, _params: { url: string }) => {},
    // Implemented in src/: a new session id once a user is signed in (session fixation); after a
    // password reset, the person's other sessions end too.
    renewSession: (_, _params: { endOtherSessions: boolean }) => {},
    // Implemented in src/: destroy the server session, forget the account, go to B2C's logout.
    endSession: (_, _params: { user: User | null }) => {},
    // Each of these hands `render` or `redirect` what it computes, under a name that says what:
    // Stately's tools read an action's params only when they are literals.
    showProblem: handOn((_, params: { problem: keyof typeof PROBLEMS }) => ({ type: 'render', params: { page: 'problem', problem: PROBLEMS[params.problem] } })),
    /** An invoked actor's error as a problem page. */
    showFailure: handOn((event) => ({ type: 'render', params: { page: 'problem', problem: problemOf(errorOf(event)) } })),
    /** The identity provider's own error, from the callback. */
    showIdpError: handOn((event) => ({ type: 'render', params: { page: 'problem', problem: idpError(callbackOf(event)) } })),
    showApiAnswer: handOn((event) => ({ type: 'render', params: { page: 'api', answer: outputOf<ApiAnswer>(event) } })),
    /** To the user flow's URL that `authorize` made. */
    redirectToUserFlow: handOn((event) => ({ type: 'redirect', params: { url: outputOf<AuthorizationStart>(event).url } })),
    keepTransaction: assign({ transaction: ({ event }) => outputOf<AuthorizationStart>(event).transaction }),
    dropTransaction: assign({ transaction: null }),
    keepUser: assign({ user: ({ event }) => outputOf<User>(event) }),
    clearNotice: assign({ notice: null }),
    setNotice: assign({ notice: (_, params: { notice: string }) => params.notice }),
    resumeWithApi: assign({ resume: 'api' as const }),
    dropResume: assign({ resume: null }),
  },
  actors: {
    // Provided from src/identity: a fresh {state, nonce, PKCE} and the user flow's URL.
    authorize: {} as PromiseActorLogic<AuthorizationStart, { flow: Flow }>,
    // Provided from src/identity: the code redeemed and the ID token checked.
    redeem: {} as PromiseActorLogic<User, { transaction: Transaction; params: CallbackParams }>,
    // Provided from src/web-api: an access token from the person's token cache (refreshed when
    // due), the API called with it, its answer.
    callApi: {} as PromiseActorLogic<ApiAnswer, { user: User }>,
  },
  guards: {
    hasUser: ({ context }) => context.user !== null,
    transactionExpired: ({ context, event }) =>
      event.type === 'CALLBACK' && context.transaction !== null && event.at > context.transaction.expiresAt,
    stateMatches: ({ context, event }) =>
      context.transaction !== null && callbackOf(event).state === context.transaction.state,
    // Only the sign-up/sign-in flow offers "Forgot your password?".
    forgotPassword: (args) => args.context.transaction?.flow === 'signUpSignIn' && describes(FORGOT_PASSWORD)(args),
    cancelled: describes(CANCELLED),
    isError: ({ event }) => callbackOf(event).error !== undefined,
    hasCode: ({ event }) => (callbackOf(event).code ?? '') !== '',
    // Provided from src/: whether WEB_API_URI is set (or the built-in sample API runs).
    apiConfigured: () => true,
    // Provided from src/: what the identity provider offers (B2C both; External ID neither: it has
    // no profile-editing flow, and resets passwords inside sign-in).
    editProfileOffered: () => true,
    resetPasswordOffered: () => true,
    resumesApi: ({ context }) => context.resume === 'api',
    // Sign in again for the API, unless this call already follows a sign-in made for it.
    needsSignIn: ({ context, event }) => context.resume !== 'api' && needsSignIn(errorOf(event)),
    signInDidNotHelp: ({ event }) => needsSignIn(errorOf(event)),
  },
}).createMachine({
  id: 'session',
  context: { user: null, transaction: null, notice: null, resume: null },
  initial: 'signedOut',
  on: {
    EXPIRE: {
      target: '.signedOut',
      actions: assign({ user: null, transaction: null, notice: EXPIRED_NOTICE, resume: null }),
    },
    SIGN_OUT: {
      target: '.signedOut',
      actions: [
        { type: 'endSession', params: ({ context }) => ({ user: context.user }) },
        assign({ user: null, transaction: null, notice: null, resume: null }),
      ],
    },
  },
  states: {
    signedOut: {
      on: {
        SHOW: { actions: [{ type: 'render', params: { page: 'home' } }, 'clearNotice'] },
        SIGN_IN: { target: 'userFlow.authorizing' },
        RESET_PASSWORD: [
          { guard: 'resetPasswordOffered', target: 'userFlow.resettingPassword' },
          { actions: { type: 'showProblem', params: { problem: 'resetPasswordNotOffered' } } },
        ],
        EDIT_PROFILE: [
          {
            guard: 'editProfileOffered',
            actions: [
              { type: 'setNotice', params: { notice: 'Please sign in to edit your profile' } },
              { type: 'redirect', params: { url: '/' } },
            ],
          },
          { actions: { type: 'showProblem', params: { problem: 'editProfileNotOffered' } } },
        ],
        CALLBACK: { actions: { type: 'showProblem', params: { problem: 'staleCallback' } } },
        // Sign in first, then call the API: one journey.
        CALL_API: [
          { guard: 'apiConfigured', target: 'userFlow.authorizing', actions: 'resumeWithApi' },
          { actions: { type: 'showProblem', params: { problem: 'noApi' } } },
        ],
      },
    },

    signedIn: {
      on: {
        SHOW: { actions: [{ type: 'render', params: { page: 'home' } }, 'clearNotice', 'dropResume'] },
        SIGN_IN: { actions: { type: 'redirect', params: { url: '/' } } },
        EDIT_PROFILE: [
          { guard: 'editProfileOffered', target: 'userFlow.editingProfile' },
          { actions: { type: 'showProblem', params: { problem: 'editProfileNotOffered' } } },
        ],
        RESET_PASSWORD: [
          { guard: 'resetPasswordOffered', target: 'userFlow.resettingPassword' },
          { actions: { type: 'showProblem', params: { problem: 'resetPasswordNotOffered' } } },
        ],
        CALLBACK: { actions: { type: 'showProblem', params: { problem: 'staleCallback' } } },
        CALL_API: [
          { guard: 'apiConfigured', target: 'callingApi' },
          { actions: { type: 'showProblem', params: { problem: 'noApi' } } },
        ],
      },
    },

    // The person is at B2C in one of the three user flows. A transaction is kept until the callback.
    userFlow: {
      initial: 'authorizing',
      on: {
        SHOW: { actions: [{ type: 'render', params: { page: 'home' } }, 'clearNotice'] },
        // Another button while a flow is open: abandon it and handle the click from where we were.
        SIGN_IN: { target: 'returning', actions: ['dropTransaction', raise(({ event }) => event)] },
        EDIT_PROFILE: { target: 'returning', actions: ['dropTransaction', raise(({ event }) => event)] },
        RESET_PASSWORD: { target: 'returning', actions: ['dropTransaction', raise(({ event }) => event)] },
        CALL_API: { target: 'returning', actions: ['dropTransaction', raise(({ event }) => event)] },
        CALLBACK: [
          { guard: 'stateMatches', target: 'answering' },
          { actions: { type: 'showProblem', params: { problem: 'stateMismatch' } } },
        ],
      },
      states: {
        authorizing: {
          initial: 'starting',
          states: {
            starting: {
              tags: 'busy',
              invoke: {
                src: 'authorize',
                input: { flow: 'signUpSignIn' },
                onDone: {
                  target: 'awaitingCallback',
                  actions: ['keepTransaction', 'redirectToUserFlow'],
                },
                onError: { target: '#session.returning', actions: 'showFailure' },
              },
            },
            awaitingCallback: {},
          },
        },
        editingProfile: {
          initial: 'starting',
          states: {
            starting: {
              tags: 'busy',
              invoke: {
                src: 'authorize',
                input: { flow: 'editProfile' },
                onDone: {
                  target: 'awaitingCallback',
                  actions: ['keepTransaction', 'redirectToUserFlow'],
                },
                onError: { target: '#session.returning', actions: 'showFailure' },
              },
            },
            awaitingCallback: {},
          },
        },
        resettingPassword: {
          initial: 'starting',
          states: {
            starting: {
              tags: 'busy',
              invoke: {
                src: 'authorize',
                input: { flow: 'resetPassword' },
                onDone: {
                  target: 'awaitingCallback',
                  actions: ['keepTransaction', 'redirectToUserFlow'],
                },
                onError: { target: '#session.returning', actions: 'showFailure' },
              },
            },
            awaitingCallback: {},
          },
        },
      },
    },

    // The callback matched the open transaction: what did B2C say? (Single use: every branch
    // drops the transaction, so a replay finds none.)
    answering: {
      always: [
        {
          guard: 'transactionExpired',
          target: 'returning',
          actions: ['dropTransaction', { type: 'showProblem', params: { problem: 'transactionExpired' } }],
        },
        { guard: 'forgotPassword', target: 'userFlow.resettingPassword', actions: 'dropTransaction' },
        {
          guard: 'cancelled',
          target: 'returning',
          actions: [
            'dropTransaction',
            // CANCELLED_NOTICE, written out: the editor reads literals only.
            { type: 'setNotice', params: { notice: 'User has cancelled the operation' } },
            { type: 'redirect', params: { url: '/' } },
          ],
        },
        {
          guard: 'isError',
          target: 'returning',
          actions: ['dropTransaction', 'showIdpError'],
        },
        { guard: 'hasCode', target: 'redeeming' },
        {
          target: 'returning',
          actions: ['dropTransaction', { type: 'showProblem', params: { problem: 'missingCode' } }],
        },
      ],
    },

    redeeming: {
      tags: 'busy',
      invoke: {
        src: 'redeem',
        input: ({ context, event }) => ({ transaction: context.transaction!, params: callbackOf(event) }),
        onDone: [
          {
            // Signed in to call the API: on to /api, where the call is made (a fixed URL, the
            // machine's choice).
            guard: 'resumesApi',
            target: 'signedIn',
            actions: [
              'keepUser',
              { type: 'renewSession', params: ({ context }) => ({ endOtherSessions: context.transaction?.flow === 'resetPassword' }) },
              'dropTransaction',
              { type: 'redirect', params: { url: '/api' } },
            ],
          },
          {
            target: 'signedIn',
            actions: [
              'keepUser',
              { type: 'renewSession', params: ({ context }) => ({ endOtherSessions: context.transaction?.flow === 'resetPassword' }) },
              'dropTransaction',
              { type: 'redirect', params: { url: '/' } },
            ],
          },
        ],
        onError: { target: 'returning', actions: ['dropTransaction', 'showFailure'] },
      },
    },

    // The web API called on the signed-in person's behalf. Whatever fails, the person stays signed
    // in; only a token that a new sign-in could fix sends them to B2C, and only once in a row.
    callingApi: {
      tags: 'busy',
      invoke: {
        src: 'callApi',
        input: ({ context }) => ({ user: context.user! }),
        onDone: {
          target: 'signedIn',
          actions: ['dropResume', 'showApiAnswer'],
        },
        onError: [
          { guard: 'needsSignIn', target: 'userFlow.authorizing', actions: 'resumeWithApi' },
          {
            guard: 'signInDidNotHelp',
            target: 'signedIn',
            actions: ['dropResume', { type: 'showProblem', params: { problem: 'apiStillRefuses' } }],
          },
          { target: 'signedIn', actions: ['dropResume', 'showFailure'] },
        ],
      },
    },

    // A choice, not a resting place: back to where the person was, signed in or not. A flow that
    // ends here did not sign anyone in, so nothing waits to resume.
    returning: {
      entry: 'dropResume',
      always: [{ guard: 'hasUser', target: 'signedIn' }, { target: 'signedOut' }],
    },
  },
});
