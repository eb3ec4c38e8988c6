// What every emulator page offers a person: language, title, labelled inputs, the flow it belongs
// to, B2C's element ids, and Bootstrap served by the emulator itself.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import { appBrowser, beginAuthorization, signIn, start } from './fixtures.ts';
import type { Browser } from '../support/browser.ts';

describe('emulator pages', () => {
  let emulator: Emulator;
  beforeEach(async () => { emulator = await start({ tenant: 'contoso' }); });
  afterEach(() => emulator.close());

  /** Each page, reached the way a person reaches it. */
  const pages: Record<string, (browser: Browser) => Promise<{ flow: string; ids: string[] }>> = {
    'sign-in': async (browser) => {
      await browser.get((await beginAuthorization(emulator, emulator.flows.signUpSignIn)).url);
      return { flow: emulator.flows.signUpSignIn, ids: ['signInName', 'password', 'next', 'forgotPassword', 'createAccount'] };
    },
    'sign-up': async (browser) => {
      await browser.get((await beginAuthorization(emulator, emulator.flows.signUpSignIn)).url);
      await browser.click('#createAccount');
      return { flow: emulator.flows.signUpSignIn, ids: ['email', 'newPassword', 'reenterPassword', 'givenName', 'surname', 'continue', 'cancel'] };
    },
    'profile edit': async (browser) => {
      await browser.get((await beginAuthorization(emulator, emulator.flows.editProfile)).url);
      await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
      return { flow: emulator.flows.editProfile, ids: ['givenName', 'surname', 'continue', 'cancel'] };
    },
    'password reset': async (browser) => {
      await browser.get((await beginAuthorization(emulator, emulator.flows.resetPassword)).url);
      return { flow: emulator.flows.resetPassword, ids: ['email', 'newPassword', 'reenterPassword', 'continue', 'cancel'] };
    },
  };

  for (const [name, reach] of Object.entries(pages)) {
    it(`${name}: lang, title, labelled inputs, B2C ids, its flow and tenant shown, local Bootstrap only`, async () => {
      const browser = appBrowser();
      const { flow, ids } = await reach(browser);
      const $ = browser.$;
      expect(browser.status).toBe(200);
      expect($('html').attr('lang')).toBe('en');
      expect($('title').text()).toMatch(/\S.*contoso/);
      for (const id of ids) expect($(`#${id}`).length, `#${id}`).toBe(1);
      $('input:not([type=hidden])').each((_, input) => {
        const id = $(input).attr('id');
        expect($(`label[for="${id}"]`).text().trim(), `label for #${id}`).not.toBe('');
      });
      expect(browser.text('#userFlow')).toContain(flow);
      expect(browser.text('header')).toContain('contoso');

      const stylesheets = $('link[rel=stylesheet]').map((_, link) => $(link).attr('href')).get();
      expect(stylesheets).toEqual(['/static/bootstrap.min.css']);
      expect(browser.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1|localhost)/);
      expect($('script').length).toBe(0);
      expect(browser.page.headers.get('content-security-policy')).toContain("default-src 'none'");
    });
  }

  it('serves Bootstrap from node_modules', async () => {
    const response = await fetch(`${emulator.origin}/static/bootstrap.min.css`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/css/);
    expect(await response.text()).toMatch(/Bootstrap\s+v5/);
  });
});
