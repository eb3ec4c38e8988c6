// The profile-edit and password-reset pages.
import type Koa from 'koa';

import { readProfile, readReset, type Body } from './forms.ts';
import { finish, render, signedInAccount, type PageDeps, type PageRequest } from './interaction.ts';
import { showSignIn } from './sign-in-up.ts';

export async function showProfile(deps: PageDeps, ctx: Koa.Context, page: PageRequest): Promise<void> {
  const account = await signedInAccount(deps, page);
  // Like B2C: no SSO session, no profile; sign in first.
  if (!account) return showSignIn(deps, ctx, page);
  return render(deps, ctx, page, 'profile-edit.njk', {
    email: account.email,
    values: { givenName: account.givenName, surname: account.surname },
  });
}

export async function submitProfile(deps: PageDeps, ctx: Koa.Context, page: PageRequest): Promise<void> {
  const account = await signedInAccount(deps, page);
  if (!account) return showSignIn(deps, ctx, page);
  const form = readProfile(ctx.request.body as Body);
  if (Object.keys(form.errors).length) {
    return render(deps, ctx, page, 'profile-edit.njk', { email: account.email, values: form.values, errors: form.errors }, 400);
  }
  await deps.rt.accounts.updateProfile(account.id, form.values);
  return finish(deps, ctx, { login: { accountId: account.id } });
}

export function showReset(deps: PageDeps, ctx: Koa.Context, page: PageRequest): Promise<void> {
  return render(deps, ctx, page, 'password-reset.njk', {});
}

export async function submitReset(deps: PageDeps, ctx: Koa.Context, page: PageRequest): Promise<void> {
  const form = readReset(ctx.request.body as Body);
  const again = (errors: Record<string, string>) => render(deps, ctx, page, 'password-reset.njk', { values: form.values, errors }, 400);
  if (Object.keys(form.errors).length) return again(form.errors);
  const account = await deps.rt.accounts.findByEmail(form.values.email);
  if (!account) return again({ email: 'An account could not be found for the provided user ID.' });
  await deps.rt.accounts.setPassword(account.id, form.password);
  // B2C: a locked-out user "can unlock by using self-service password" reset.
  deps.rt.lockouts.forget(form.values.email);
  // B2C ends a reset by signing that user in.
  return finish(deps, ctx, { login: { accountId: account.id } });
}
