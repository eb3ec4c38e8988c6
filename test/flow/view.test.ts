// /_flow: the statechart with this browser's state highlighted and its recent events, for
// developers only; never a callback parameter, a token or a claim.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { loadConfig } from '../../src/config.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ FLOW_VIEW: 'on' });
});
afterAll(() => stack.close());

describe('/_flow', () => {
  it('draws the statechart with a visitor in signedOut', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/_flow`);
    expect(browser.status).toBe(200);
    expect(browser.$('#current').text()).toBe('signedOut');
    const diagram = browser.$('#diagram').text();
    expect(diagram).toMatch(/^stateDiagram-v2/);
    expect(diagram).toContain('class signedOut current');
    expect(browser.$('script[src]').map((_, s) => browser.$(s).attr('src')).get()).toEqual(['/_flow/mermaid.min.js', '/_flow/flow.js']);
    expect(browser.$('link[rel=stylesheet]').map((_, s) => browser.$(s).attr('href')).get()).toContain('/_flow/flow.css');
    const script = await fetch(`${stack.appOrigin}/_flow/mermaid.min.js`);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
    // The page's own script and style: from the app, under its CSP (script-src 'self').
    const own = await fetch(`${stack.appOrigin}/_flow/flow.js`);
    expect(own.headers.get('content-type')).toContain('javascript');
    expect(await own.text()).toContain('MIN_LABEL_PX = 11');
    expect((await fetch(`${stack.appOrigin}/_flow/flow.css`)).headers.get('content-type')).toContain('text/css');
  });

  it('follows a sign-in: the state highlighted, the events listed, no code, state or name', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    const authorize = new URL(browser.page.redirects[1]!);
    await browser.get(`${stack.appOrigin}/_flow`);
    expect(browser.$('#current').text()).toBe('userFlow.authorizing.awaitingCallback');
    expect(browser.$('#diagram').text()).toContain('class userFlow_authorizing_awaitingCallback current');
    expect(browser.$('#diagram').text()).toContain('class userFlow within');

    await browser.get(`${stack.appOrigin}/signin`);
    await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    const callback = browser.page.redirects.find((u) => u.includes('/redirect?'))!;
    await browser.get(`${stack.appOrigin}/_flow`);
    expect(browser.$('#current').text()).toBe('signedIn');
    const events = browser.$('#recent li').map((_, li) => browser.$(li).text()).get();
    expect(events[0]).toMatch(/SHOW: signedIn → signedIn$/);
    expect(events.some((e) => /CALLBACK: userFlow\.authorizing\.awaitingCallback → signedIn$/.test(e))).toBe(true);
    const page = browser.body;
    expect(page).not.toContain(new URL(callback).searchParams.get('code')!);
    expect(page).not.toContain(authorize.searchParams.get('state')!);
    expect(page).not.toContain(stack.emulator.demoUser.email);
    expect(page).not.toContain(`>${stack.emulator.demoUser.givenName}<`);

    // The API call is drawn and listed too; the API's answer is not.
    await browser.get(`${stack.appOrigin}/api`);
    expect(browser.text('#apiResponse')).toContain('Demo User');
    await browser.get(`${stack.appOrigin}/_flow`);
    expect(browser.$('#diagram').text()).toContain('signedIn --> callingApi : CALL_API [apiConfigured]');
    expect(browser.$('#recent li').map((_, li) => browser.$(li).text()).get()[0]).toMatch(/CALL_API: signedIn → signedIn$/);
    expect(browser.body).not.toContain('tasks.read');
  });

  it('is under a CSP without plugins or <base>, inline style allowed for Mermaid only', async () => {
    const csp = (await fetch(`${stack.appOrigin}/_flow`)).headers.get('content-security-policy')!;
    const directives = csp.split(/;\s*/);
    expect(directives).toEqual(expect.arrayContaining(["object-src 'none'", "base-uri 'none'", "script-src 'self'", "frame-ancestors 'none'", "style-src 'self' 'unsafe-inline'"]));
    const pages = (await fetch(stack.appOrigin)).headers.get('content-security-policy')!.split(/;\s*/);
    expect(pages).toEqual(expect.arrayContaining(["object-src 'none'", "base-uri 'none'", "style-src 'self'"]));
  });

  it('is off in production', () => {
    const env = {
      NODE_ENV: 'production',
      APP_CLIENT_ID: 'id',
      APP_CLIENT_SECRET: 'secret',
      SESSION_SECRET: 'x'.repeat(40),
      SIGN_UP_SIGN_IN_POLICY_AUTHORITY: 'https://t.b2clogin.com/t.onmicrosoft.com/B2C_1_susi',
      EDIT_PROFILE_POLICY_AUTHORITY: 'https://t.b2clogin.com/t.onmicrosoft.com/B2C_1_edit',
      RESET_PASSWORD_POLICY_AUTHORITY: 'https://t.b2clogin.com/t.onmicrosoft.com/B2C_1_reset',
      APP_REDIRECT_URI: 'https://app.example/redirect',
    };
    expect(loadConfig(env).flowView).toBe(false);
    expect(loadConfig({}).flowView).toBe(true);
  });

  it('answers 404 when turned off', async () => {
    const off = await startStack({ FLOW_VIEW: 'off' });
    try {
      expect((await fetch(`${off.appOrigin}/_flow`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
