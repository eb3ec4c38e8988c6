// The sign-up-or-sign-in pages: sign in, "Forgot your password?", "Sign up now".
import type Koa from 'koa';

import { AccountExistsError } from '../accounts.ts';
import { FORGOT_PASSWORD } from '../b2c-errors.ts';
import { SIGNED_UP } from '../journeys.ts';
import { MAX_PASSWORD_LENGTH } from '../passwords.ts';
import { readSignIn, readSignUp, type Body } from './forms.ts';
import { finish, finishWithError, remember, render, type PageDeps, type PageRequest } from './interaction.ts';

export function showSignIn(deps: PageDeps, ctx: Koa.Context, page: PageRequest, data: Record<string, unknown> = {}, status = 200): Promise<void> {
  return render(deps, ctx, page, 'sign-in.njk', { offerSignUp: page.kind === 'signUpSignIn', ...data }, status);
}

/**
 * B2C's `DefaultMessage` for a failed sign-in. B2C itself says `UserMessageIfInvalidPassword` ("Your
 * password is incorrect.") or `UserMessageIfClaimsPrincipalDoesNotExist` ("We can't seem to find
 * your account."), which tells anyone which emails have accounts; the emulator says this for both.
 */
export const INVALID_CREDENTIALS = 'Invalid username or password.';
/** B2C's `UserMessageIfUserAccountLocked`, shown while smart lockout holds the email. */
export const ACCOUNT_LOCKED = 'Your account is temporarily locked to prevent unauthorized use. Try again later.';

export async function submitSignIn(deps: PageDeps, ctx: Koa.Context, page: PageRequest): Promise<void> {
  const form = readSignIn(ctx.request.body as Body);
  if (Object.keys(form.errors).length) return showSignIn(deps, ctx, page, { values: form.values, errors: form.errors }, 400);
  // A page-level message, no field marked: the same page whichever of the two was wrong.
  const refuse = (message: string) => showSignIn(deps, ctx, page, { values: form.values, pageError: message }, 400);

  const email = form.values.signInName;
  const { accounts, lockouts } = deps.rt;
  // While locked, not even the right password gets in, and nothing is counted.
  if (lockouts.isLocked(email, Date.now())) return refuse(ACCOUNT_LOCKED);
  // An unknown email goes the same way as a wrong password: checked, counted, same answer.
  const account = form.password.length > MAX_PASSWORD_LENGTH ? undefined : await accounts.verifyPassword(email, form.password);
  if (!account) return refuse(lockouts.recordFailure(email, form.password, Date.now()) ? ACCOUNT_LOCKED : INVALID_CREDENTIALS);
  // Another request may have locked it while the password was being checked.
  if (lockouts.isLocked(email, Date.now())) return refuse(ACCOUNT_LOCKED);
  lockouts.forget(email);

  const login = { login: { accountId: account.id } };
  // Profile edit goes on to its own page; sign-in is done.
  if (page.kind === 'editProfile') return remember(deps, ctx, page, login);
  return finish(deps, ctx, login);
}

export function forgotPassword(deps: PageDeps, ctx: Koa.Context): Promise<void> {
  return finishWithError(deps, ctx, FORGOT_PASSWORD);
}

export function showSignUp(deps: PageDeps, ctx: Koa.Context, page: PageRequest, data: Record<string, unknown> = {}, status = 200): Promise<void> {
  return render(deps, ctx, page, 'sign-up.njk', data, status);
}

export async function submitSignUp(deps: PageDeps, ctx: Koa.Context, page: PageRequest): Promise<void> {
  const form = readSignUp(ctx.request.body as Body);
  const again = (errors: Record<string, string>) => showSignUp(deps, ctx, page, { values: form.values, errors }, 400);
  if (Object.keys(form.errors).length) return again(form.errors);
  try {
    const account = await deps.rt.accounts.create({ ...form.values, password: form.password });
    return finish(deps, ctx, { login: { accountId: account.id }, ...SIGNED_UP });
  } catch (err) {
    // Says the email is taken, as B2C does (UserMessageIfClaimsPrincipalAlreadyExists): sign-up
    // cannot help telling. B2C asks for an emailed code first; the emulator does not.
    if (err instanceof AccountExistsError) {
      return again({ email: 'A user with the specified ID already exists. Please choose a different one.' });
    }
    throw err;
  }
}
