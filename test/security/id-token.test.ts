// The OpenID Foundation's relying-party negatives, each produced by the emulator's fault switches,
// in both providers' modes (B2C, and External ID with its one authority and two-step pages): MSAL
// checks only the nonce, so each of these is refused (or accepted) by our own jose checks. The log's
// reason names the check that refused.
import { describe, expect, it } from 'vitest';
import type { IdTokenFault } from '../../src/emulator/index.ts';
import { expectSignedOut, faultStack } from './fault-sign-in.ts';
import type { Mode } from '../support/stack.ts';

describe.each<Mode>(['b2c', 'external-id'])('%s mode', (mode) => {
  const { stack, signInWith } = faultStack(mode);

  describe('ID token checks', () => {
    it.each<[string, IdTokenFault, string]>([
      ['invalid issuer', 'wrongIssuer', 'ID token: ERR_JWT_CLAIM_VALIDATION_FAILED (iss)'],
      ['missing sub', 'missingSub', 'ID token: ERR_JWT_CLAIM_VALIDATION_FAILED (sub)'],
      ['invalid audience', 'wrongAudience', 'ID token: ERR_JWT_CLAIM_VALIDATION_FAILED (aud)'],
      ['missing iat', 'missingIat', 'ID token: ERR_JWT_CLAIM_VALIDATION_FAILED (iat)'],
      ['invalid signature', 'badSignature', 'ID token: ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
      ['invalid nonce', 'wrongNonce', 'ID token: nonce mismatch'],
      ['expired token', 'expired', 'ID token: ERR_JWT_EXPIRED (exp)'],
    ])('%s: refused with a 401 page, not signed in', async (_, fault, reason) => {
      const { browser, reasons } = await signInWith(fault);
      expect(browser.status).toBe(401);
      expect(browser.$('#problem h2').text()).toBe('The sign-in could not be verified');
      expect(browser.$('#Home').attr('href')).toBe('/');
      expect(reasons).toEqual([reason]);
      await expectSignedOut(browser, stack().appOrigin);
    });

    it('an honest token: signed in, nothing refused', async () => {
      const { browser, reasons } = await signInWith(null);
      expect(browser.url).toBe(`${stack().appOrigin}/`);
      expect(browser.text()).toContain(`Hi ${stack().emulator.demoUser.givenName}`);
      expect(reasons).toEqual([]);
    });

    it('kid absent with a single key: accepted', async () => {
      const { browser } = await signInWith('missingKid');
      expect(browser.text()).toContain(`Hi ${stack().emulator.demoUser.givenName}`);
    });

    it('signing key rotated after the keys were cached: accepted after fetching them again', async () => {
      expect((await signInWith(null)).browser.text()).toContain(`Hi ${stack().emulator.demoUser.givenName}`);
      await stack().emulator.faults.rotateSigningKey();
      expect((await signInWith(null)).browser.text()).toContain(`Hi ${stack().emulator.demoUser.givenName}`);
    });
  });
});
