// The sign-up-or-sign-in pages: sign in, "Forgot your password?", "Sign up now".
import type Koa from 'koa';

import { AccountExistsError } from '../accounts.ts';
import { FORGOT_PASSWORD } from '../b2c-errors.ts';
import { SIGNED_UP } from '../journeys.ts';
import { readSignIn, readSignUp, type Body } from './forms.ts';
import { finish, finishWithError, remember, render, type PageDeps, type PageRequest } from './interaction.ts';

export function showSignIn(deps: PageDeps, ctx: Koa.Context, page: PageRequest, data: Record<string, unknown> = {}, status = 200): Promise<void> {
  return render(deps, ctx, page, 'sign-in.njk', { offerSignUp: page.kind === 'signUpSignIn', ...data }, status);
}

export async function submitSignIn(deps: PageDeps, ctx: Koa.Context, page: PageRequest): Promise<void> {
  const form = readSignIn(ctx.request.body as Body);
  const again = (errors: Record<string, string>) => showSignIn(deps, ctx, page, { values: form.values, errors }, 400);
  if (Object.keys(form.errors).length) return again(form.errors);

  if (!(await deps.rt.accounts.findByEmail(form.values.signInName))) {
    return again({ signInName: "We can't seem to find your account." });
  }
  const account = await deps.rt.accounts.verifyPassword(form.values.signInName, form.password);
  if (!account) return again({ password: 'Your password is incorrect.' });

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
    if (err instanceof AccountExistsError) {
      return again({ email: 'A user with the specified ID already exists. Please choose a different one.' });
    }
    throw err;
  }
}
