// External ID's sign-in journey, one step per page as its hosted pages go: email, then password;
// "Forgot password?" sends a code, then asks for a new password and signs in, all inside the same
// authorization request; "No account? Create one": email, code, then password and names. Wording
// follows Microsoft's descriptions where they give it (EXTERNAL-ID.md); the rest is the emulator's.
import type Koa from 'koa';

import { AccountExistsError } from '../accounts.ts';
import { MAX_PASSWORD_LENGTH } from '../passwords.ts';
import { emailProblem, nameProblem, newPasswordProblems, text, type Body, type FieldErrors } from '../pages/forms.ts';
import { finish, type PageDeps } from '../pages/interaction.ts';
import { ACCOUNT_LOCKED, INVALID_CREDENTIALS } from '../pages/sign-in-up.ts';
import { goTo, render, type ExternalIdPage } from './page.ts';

type Step = (deps: PageDeps, ctx: Koa.Context, page: ExternalIdPage) => Promise<void>;

export const EMAIL_TAKEN = 'An account with this email address already exists.';
export const WRONG_CODE = 'The code you entered is not correct. Try again.';
export const VOID_CODE = 'This code has expired or was entered wrongly too many times. Select "Resend code" for a new one.';

const body = (ctx: Koa.Context): Body => (ctx.request.body ?? {}) as Body;
const hasErrors = (errors: FieldErrors): boolean => Object.keys(errors).length > 0;

/** Signs the account in: the authorization goes on to the app, as B2C's last page does. */
async function signIn(deps: PageDeps, ctx: Koa.Context, page: ExternalIdPage, accountId: string): Promise<void> {
  deps.rt.inbox.forget(page.uid);
  await finish(deps, ctx, { login: { accountId } });
}

// Sign in: the email page, then the password page.

export const showEmail: Step = async (deps, ctx, page) => {
  const hint = page.interaction.params.login_hint;
  const email = page.state.email ?? (typeof hint === 'string' ? hint : '');
  await render(deps, ctx, page, 'sign-in-email.njk', { values: { email } });
};

export const submitEmail: Step = async (deps, ctx, page) => {
  const email = text(body(ctx), 'email').trim();
  const problem = emailProblem(email);
  if (problem) return render(deps, ctx, page, 'sign-in-email.njk', { values: { email }, errors: { email: problem } }, 400);
  // Any well-formed email goes on to the password page: which emails have accounts stays untold.
  page.state.email = email;
  delete page.state.pending;
  delete page.state.verified;
  goTo(ctx, page, 'password');
};

export const showPassword: Step = async (deps, ctx, page) => {
  if (!page.state.email) return goTo(ctx, page, 'start');
  await render(deps, ctx, page, 'sign-in-password.njk', { email: page.state.email });
};

export const submitPassword: Step = async (deps, ctx, page) => {
  const { email } = page.state;
  if (!email) return goTo(ctx, page, 'start');
  const password = text(body(ctx), 'password');
  const again = (data: Record<string, unknown>) => render(deps, ctx, page, 'sign-in-password.njk', { email, ...data }, 400);
  if (!password) return again({ errors: { password: 'Please enter your password.' } });

  // The same rules as B2C's sign-in page (sign-in-up.ts): one message for a wrong password and an
  // unknown email, smart lockout counted per email, nothing counted while locked.
  const { accounts, lockouts } = deps.rt;
  if (lockouts.isLocked(email, Date.now())) return again({ pageError: ACCOUNT_LOCKED });
  const account = password.length > MAX_PASSWORD_LENGTH ? undefined : await accounts.verifyPassword(email, password);
  if (!account) return again({ pageError: lockouts.recordFailure(email, password, Date.now()) ? ACCOUNT_LOCKED : INVALID_CREDENTIALS });
  if (lockouts.isLocked(email, Date.now())) return again({ pageError: ACCOUNT_LOCKED });
  lockouts.forget(email);
  await signIn(deps, ctx, page, account.id);
};

// "Forgot password?": a code to the email typed on the first page, then a new password.

export const forgotPassword: Step = async (deps, ctx, page) => {
  const { email } = page.state;
  if (!email) return goTo(ctx, page, 'start');
  // No account, no mail: the page looks the same, and no code will ever match.
  const account = await deps.rt.accounts.findByEmail(email);
  deps.rt.inbox.send(page.state, email, 'password-reset', account !== undefined);
  goTo(ctx, page, 'verify');
};

export const showNewPassword: Step = async (deps, ctx, page) => {
  if (page.state.verified?.purpose !== 'password-reset') return goTo(ctx, page, 'start');
  await render(deps, ctx, page, 'new-password.njk', { email: page.state.verified.email });
};

export const submitNewPassword: Step = async (deps, ctx, page) => {
  const verified = page.state.verified;
  if (verified?.purpose !== 'password-reset') return goTo(ctx, page, 'start');
  const errors: FieldErrors = {};
  const password = newPasswordProblems(body(ctx), errors);
  if (hasErrors(errors)) return render(deps, ctx, page, 'new-password.njk', { email: verified.email, errors }, 400);
  const account = await deps.rt.accounts.findByEmail(verified.email);
  if (!account) return goTo(ctx, page, 'start');
  await deps.rt.accounts.setPassword(account.id, password);
  // As with B2C: a reset also ends a lockout.
  deps.rt.lockouts.forget(verified.email);
  await signIn(deps, ctx, page, account.id);
};

// The code page, shared by sign-up and password reset; the emulator's inbox panel shows the code.

async function codePage(deps: PageDeps, ctx: Koa.Context, page: ExternalIdPage, status = 200, error?: string): Promise<void> {
  const { pending } = page.state;
  if (!pending) return goTo(ctx, page, 'start');
  await render(deps, ctx, page, 'verify-code.njk', {
    email: pending.email, purpose: pending.purpose, message: pending.message, errors: error ? { otp: error } : {},
  }, status);
}

export const showCode: Step = (deps, ctx, page) => codePage(deps, ctx, page);

export const submitCode: Step = async (deps, ctx, page) => {
  const { pending } = page.state;
  if (!pending) return goTo(ctx, page, 'start');
  const typed = text(body(ctx), 'otp');
  if (!typed.trim()) return codePage(deps, ctx, page, 400, 'Please enter the code.');
  const result = deps.rt.inbox.check(page.state, typed);
  if (result === 'wrong') return codePage(deps, ctx, page, 400, WRONG_CODE);
  if (result === 'void') return codePage(deps, ctx, page, 400, VOID_CODE);
  goTo(ctx, page, pending.purpose === 'sign-up' ? 'details' : 'reset');
};

export const resendCode: Step = async (deps, ctx, page) => {
  const { pending } = page.state;
  if (!pending) return goTo(ctx, page, 'start');
  const deliver = pending.purpose === 'sign-up' || (await deps.rt.accounts.findByEmail(pending.email)) !== undefined;
  deps.rt.inbox.send(page.state, pending.email, pending.purpose, deliver);
  goTo(ctx, page, 'verify');
};

// "No account? Create one": the email (verified by a code), then a password and the names.

export const showSignUp: Step = (deps, ctx, page) => render(deps, ctx, page, 'sign-up-email.njk');

export const submitSignUp: Step = async (deps, ctx, page) => {
  const email = text(body(ctx), 'email').trim();
  const again = (problem: string) => render(deps, ctx, page, 'sign-up-email.njk', { values: { email }, errors: { email: problem } }, 400);
  const problem = emailProblem(email);
  if (problem) return again(problem);
  // Sign-up cannot make a second account for an email, nor hide why.
  if (await deps.rt.accounts.findByEmail(email)) return again(EMAIL_TAKEN);
  page.state.email = email;
  deps.rt.inbox.send(page.state, email, 'sign-up', true);
  goTo(ctx, page, 'verify');
};

export const showDetails: Step = async (deps, ctx, page) => {
  if (page.state.verified?.purpose !== 'sign-up') return goTo(ctx, page, 'start');
  await render(deps, ctx, page, 'sign-up-details.njk', { email: page.state.verified.email });
};

export const submitDetails: Step = async (deps, ctx, page) => {
  const verified = page.state.verified;
  if (verified?.purpose !== 'sign-up') return goTo(ctx, page, 'start');
  const form = body(ctx);
  const values = { givenName: text(form, 'givenName').trim(), surname: text(form, 'surname').trim() };
  const errors: FieldErrors = {};
  const password = newPasswordProblems(form, errors);
  for (const [field, label] of [['givenName', 'given name'], ['surname', 'surname']] as const) {
    const problem = nameProblem(values[field], label);
    if (problem) errors[field] = problem;
  }
  const again = (data: Record<string, unknown>) => render(deps, ctx, page, 'sign-up-details.njk', { email: verified.email, values, ...data }, 400);
  if (hasErrors(errors)) return again({ errors });
  try {
    const account = await deps.rt.accounts.create({ email: verified.email, password, ...values });
    await signIn(deps, ctx, page, account.id);
  } catch (err) {
    // Another sign-up for the same email finished first.
    if (err instanceof AccountExistsError) return again({ pageError: EMAIL_TAKEN });
    throw err;
  }
};
