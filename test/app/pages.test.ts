// Pages are rendered once per view model and answered from memory; a signed-in page is kept with a
// marker where the name goes and filled in per request. What a person gets must be exactly what
// nunjucks itself renders for them, whatever their name holds, and never someone else's name.
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import Koa from 'koa';
import nunjucks from 'nunjucks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem, User } from '../../machines/session.ts';
import { createPages, VIEWS, views } from '../../src/http/pages.ts';

// What koa-views would render for each request, straight from nunjucks, with nothing kept.
const reference = new nunjucks.Environment(new nunjucks.FileSystemLoader(VIEWS), { autoescape: true });
const layoutOf = (givenName: string | undefined) => ({ showSignInButton: givenName === undefined, givenName, editProfile: true, resetPassword: true });

let origin: string;
let server: ReturnType<Koa['listen']>;

beforeAll(async () => {
  const pages = createPages({ apiConfigured: false, capabilities: { editProfile: true, resetPassword: true } });
  const app = new Koa();
  app.use(views());
  // The test tells the page what to show: who is looking (if anyone), a notice, a problem.
  app.use(async (ctx) => {
    const { givenName, notice, problem } = JSON.parse(decodeURIComponent(ctx.get('x-page'))) as { givenName?: string; notice: string | null; problem?: Problem };
    const user: User | null = givenName === undefined ? null : { accountId: 'oid', givenName, name: 'whole name' };
    if (problem) await pages.problem(ctx, problem, user);
    else await pages.home(ctx, user, notice);
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function page(view: { givenName?: string; notice: string | null; problem?: Problem }) {
  const response = await fetch(origin, { headers: { 'x-page': encodeURIComponent(JSON.stringify(view)) } });
  return { status: response.status, type: response.headers.get('content-type'), html: await response.text() };
}

const names = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "O'Brien & Sons", '{{ givenName }}', '&amp;', 'b2c-given-name-', '$&$1'),
);

describe('pages', () => {
  it('a signed-in home page is what nunjucks renders for that name, escaped, for any name', async () => {
    await fc.assert(
      fc.asyncProperty(names, fc.option(fc.constantFrom('User has cancelled the operation', 'a <b>notice</b>')), async (givenName, notice) => {
        const got = await page({ givenName, notice });
        expect(got.status).toBe(200);
        expect(got.type).toBe('text/html; charset=utf-8');
        expect(got.html).toBe(reference.render('home.njk', { ...layoutOf(givenName), message: notice }));
      }),
      { numRuns: 150 },
    );
  });

  it('an error page is what nunjucks renders, for someone signed in or not', async () => {
    const problem: Problem = { status: 502, title: 'Sign-in service error', detail: 'The identity provider did not answer <as expected>.' };
    await fc.assert(
      fc.asyncProperty(fc.option(names, { nil: undefined }), async (givenName) => {
        const got = await page({ givenName, notice: null, problem });
        expect(got.status).toBe(502);
        expect(got.html).toBe(reference.render('error.njk', { ...problem, ...layoutOf(givenName) }));
      }),
      { numRuns: 50 },
    );
  });

  it('each person sees their own name only, in any order', async () => {
    const ada = await page({ givenName: 'Ada', notice: null });
    const bob = await page({ givenName: 'Bob', notice: null });
    const again = await page({ givenName: 'Ada', notice: null });
    expect(ada.html).toContain('Hi Ada');
    expect(bob.html).toContain('Hi Bob');
    expect(bob.html).not.toContain('Ada');
    expect(again.html).toBe(ada.html);
    const signedOut = await page({ notice: null });
    expect(signedOut.html).not.toMatch(/Ada|Bob|b2c-given-name/);
    expect(signedOut.html).toContain('id="SignIn"');
  });
});
