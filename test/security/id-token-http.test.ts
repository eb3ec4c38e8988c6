// ID tokens an attacker (or a drifting clock) could hand the app, each over real HTTP through the
// app and the emulator, in both providers' modes: a token dated ahead, the edges of the clock skew,
// and per mode the one claim that tells apart tokens sharing the issuer, audience and key: B2C's
// user flow (`tfp`/`acr`), External ID's tenant (`tid`). The log's reason shows which check refused.
import { describe, expect, it } from 'vitest';
import type { IdTokenFault } from '../../src/emulator/index.ts';
import type { Browser } from '../support/browser.ts';
import { expectSignedOut, faultStack } from './fault-sign-in.ts';
import type { Mode } from '../support/stack.ts';

/** Per mode, the fault whose token only that mode's own claim check refuses (for the sign-in after it). */
const REALM_FAULT: Record<Mode, IdTokenFault> = { b2c: 'otherFlow', 'external-id': 'wrongTenant' };

describe.each<Mode>(['b2c', 'external-id'])('%s mode', (mode) => {
  const { stack, signInWith } = faultStack(mode);

  async function expectRefused(browser: Browser) {
    expect(browser.status).toBe(401);
    expect(browser.$('#problem h2').text()).toBe('The sign-in could not be verified');
    expect(browser.$('#Home').attr('href')).toBe('/');
    // On a clean URL: the callback's code is not left in the address bar.
    expect(browser.url.startsWith(`${stack().appOrigin}/problem?`)).toBe(true);
    await expectSignedOut(browser, stack().appOrigin);
  }

  /** The emulator issued the token for the one flow signed in with, answering 200 (no cross-flow
   *  refusal of its own, AADB2C90088, played a part): what refused it is the app's claim check. */
  function expectIssuedForThisFlow(tokenRequests: { grantType: string; flow: string; status: number }[]) {
    expect(tokenRequests).toEqual([expect.objectContaining({ grantType: 'authorization_code', flow: stack().emulator.flows.signUpSignIn, status: 200 })]);
  }

  describe('ID tokens refused over HTTP', () => {
    it.each<[string, IdTokenFault, string]>([
      ['iat 600 s in the future (beyond the 120 s skew)', 'futureIat', 'ID token: ERR_JWT_CLAIM_VALIDATION_FAILED (iat)'],
      ['nbf 600 s in the future', 'futureNbf', 'ID token: ERR_JWT_CLAIM_VALIDATION_FAILED (nbf)'],
      ['exp 180 s ago (outside the skew)', 'expiredPastSkew', 'ID token: ERR_JWT_EXPIRED (exp)'],
      ['no nonce', 'missingNonce', 'ID token: nonce mismatch'],
    ])('%s: a 401 page, not signed in', async (_, fault, reason) => {
      const { browser, reasons } = await signInWith(fault);
      await expectRefused(browser);
      expect(reasons).toEqual([reason]);
    });

    // B2C only: External ID's tokens name no user flow (the emulator refuses these faults there).
    if (mode === 'b2c') {
      it.each<[string, IdTokenFault]>([
        ['in `tfp`', 'otherFlow'],
        ['in `acr` (older tenants)', 'otherFlowAcr'],
      ])('a token of another user flow of the tenant, named %s: a 401 page, not signed in', async (_, fault) => {
        const { browser, reasons, tokenRequests } = await signInWith(fault);
        await expectRefused(browser);
        expect(reasons).toEqual(['ID token: another user flow']);
        expectIssuedForThisFlow(tokenRequests);
      });
    }

    // External ID only: a B2C token carries no `tid`, and B2C mode reads none.
    if (mode === 'external-id') {
      it("a token naming another tenant's id in `tid`, signed with this tenant's key: a 401 page, not signed in", async () => {
        const { browser, reasons, tokenRequests } = await signInWith('wrongTenant');
        await expectRefused(browser);
        expect(reasons).toEqual(['ID token: another tenant']);
        expectIssuedForThisFlow(tokenRequests);
      });
    }

    it('the sign-in after a refused one works', async () => {
      await expectRefused((await signInWith(REALM_FAULT[mode])).browser);
      const { browser } = await signInWith(null);
      expect(browser.text()).toContain(`Hi ${stack().emulator.demoUser.givenName}`);
    });
  });

  describe('ID tokens accepted over HTTP', () => {
    it('exp 60 s ago (inside the 120 s skew): signed in', async () => {
      const { browser, reasons } = await signInWith('expiredWithinSkew');
      expect(browser.url).toBe(`${stack().appOrigin}/`);
      expect(browser.text()).toContain(`Hi ${stack().emulator.demoUser.givenName}`);
      expect(reasons).toEqual([]);
    });
  });
});
