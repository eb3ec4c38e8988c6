// A person with a browser and an account at the emulator, doing the model's acts over real HTTP:
// working the emulator's pages in the stack's provider's shape (test/support/idp-pages.ts), or, as
// an attacker would, typing callback URLs.
import { randomUUID } from 'node:crypto';
import { Browser } from '../support/browser.ts';
import { forgotPassword, signIn, signUp } from '../support/idp-pages.ts';
import { IDP_ERROR, type Act, type Button } from './model.ts';
import type { ModelStack } from './stack.ts';

export interface Account { email: string; password: string; givenName: string; surname: string }

const ROUTES: Record<Button | 'VISIT_HOME' | 'SIGN_OUT' | 'CALL_API', string> = {
  VISIT_HOME: '/', SIGN_IN: '/signin', EDIT_PROFILE: '/profile', RESET_PASSWORD: '/password', SIGN_OUT: '/signout', CALL_API: '/api',
};

export async function newAccount(stack: ModelStack, givenName: string): Promise<Account> {
  const account = { email: `${givenName.toLowerCase()}.${randomUUID()}@example.com`, password: 'Model-Passw0rd', givenName, surname: 'Model' };
  await stack.emulator.accounts.create(account);
  return account;
}

export class Person {
  readonly browser = new Browser();
  /** The emulator's page of the flow opened last, and the authorization request that led there. */
  idp: { page: string; authorize: URL } | undefined;
  /** Every callback URL this browser was sent to, oldest first: what an attacker would replay. */
  readonly callbacks: string[] = [];
  #renamed = 0;
  #resets = 0;

  constructor(readonly stack: ModelStack, public account: Account) {}

  /** The name the app greets this person by: B2C's ID token has `given_name`; External ID's has no
   *  such claim, so the app takes its `name` (given name and surname). */
  get shownName(): string {
    const { givenName, surname } = this.account;
    return this.stack.config.provider === 'b2c' ? givenName : `${givenName} ${surname}`;
  }

  /** `forged`: the callback URL to type for CALLBACK_FORGED (default: a made-up state and code). */
  async act(act: Act, forged?: string): Promise<void> {
    const { appOrigin, emulator } = this.stack;
    switch (act.type) {
      case 'VISIT_HOME': case 'SIGN_IN': case 'EDIT_PROFILE': case 'RESET_PASSWORD': case 'SIGN_OUT': case 'CALL_API':
        await this.browser.get(`${appOrigin}${ROUTES[act.type]}`);
        break;
      case 'CALL_API_REVOKED': {
        const account = await emulator.accounts.findByEmail(this.account.email);
        emulator.faults.revokeRefreshTokens(account!.id);
        await this.browser.get(`${appOrigin}/api`);
        break;
      }
      case 'CALL_API_REFUSED': case 'CALL_API_FAILS':
        this.stack.sampleApi.faults.status = act.type === 'CALL_API_REFUSED' ? 401 : 500;
        try {
          await this.browser.get(`${appOrigin}/api`);
        } finally {
          this.stack.sampleApi.faults.reset();
        }
        break;
      case 'CALL_API_UNCONFIGURED':
        await this.browser.get(`${this.stack.noApiOrigin}/api`);
        break;
      case 'AUTHORIZE_FAILS':
        this.stack.outage(true);
        try {
          await this.browser.get(`${appOrigin}${ROUTES[act.button]}`);
        } finally {
          this.stack.outage(false);
        }
        break;
      case 'CALLBACK_CODE':
        await this.backAtIdp();
        await this.complete(true);
        break;
      case 'CALLBACK_SPOILT':
        await this.backAtIdp();
        emulator.faults.idToken = 'wrongNonce';
        try {
          await this.complete(false);
        } finally {
          emulator.faults.reset();
        }
        break;
      case 'CALLBACK_SIGN_UP': {
        await this.backAtIdp();
        const account = { ...this.account, email: `new.${randomUUID()}@example.com`, givenName: `${this.account.givenName}-new` };
        await signUp(this.browser, this.stack.config.provider, account);
        this.account = account;
        break;
      }
      case 'CALLBACK_CANCEL':
        if (this.stack.config.provider !== 'b2c') throw new Error('External ID has no cancel that answers the app');
        await this.backAtIdp();
        if (this.browser.$('#createAccount').length) await this.browser.click('#createAccount'); // sign-in has no cancel; sign-up has
        await this.browser.submit('#cancel');
        break;
      case 'CALLBACK_FORGOT': {
        await this.backAtIdp();
        // External ID's reset sets the password there and then: a new one, so later sign-ins show it took.
        const password = this.stack.config.provider === 'b2c' ? this.account.password : `Model-Passw0rd-${++this.#resets}`;
        await forgotPassword(this.browser, this.stack.config.provider, { email: this.account.email, password });
        this.account = { ...this.account, password };
        break;
      }
      case 'CALLBACK_ERROR':
        await this.callback({ state: this.openState(), error: 'server_error', error_description: IDP_ERROR });
        break;
      case 'CALLBACK_NO_CODE':
        await this.callback({ state: this.openState() });
        break;
      case 'CALLBACK_LATE':
        await this.backAtIdp();
        // No rename: the app refuses the late answer, so the name it shows must stay as it was.
        await this.stack.later(this.stack.config.transactionTtlMs + 1000, () => this.complete(false));
        break;
      case 'IDP_SESSION_ENDS':
        // The emulator's cookies go (its session), the app's stay.
        this.browser.jar.forget((cookie) => !cookie.name.startsWith('b2c.'));
        await this.browser.get(`${appOrigin}/`);
        break;
      case 'SESSION_EXPIRES':
        await this.stack.later(this.stack.config.sessionAbsoluteMs + 1000, () => this.browser.get(`${appOrigin}/`));
        break;
      case 'CALLBACK_FORGED':
        if (forged) await this.browser.get(forged);
        else await this.callback({ state: randomUUID(), code: randomUUID() });
        break;
    }
    this.remember();
  }

  /** The person goes back to the tab with the emulator's page. */
  private async backAtIdp(): Promise<void> {
    if (!this.idp) throw new Error('no identity-provider page was ever shown');
    if (this.browser.page.url !== this.idp.page) await this.browser.get(this.idp.page);
  }

  private openState(): string {
    const state = this.idp?.authorize.searchParams.get('state');
    if (!state) throw new Error('no authorization request to answer');
    return state;
  }

  private callback(query: Record<string, string>): Promise<unknown> {
    return this.browser.get(`${this.stack.appOrigin}/redirect?${new URLSearchParams(query)}`);
  }

  /** Fills in the emulator's page as its owner would; `rename` changes the name on the profile page. */
  private async complete(rename: boolean): Promise<void> {
    const { browser, account, stack: { config: { provider: mode } } } = this;
    if (mode === 'external-id' || browser.$('#signInName').length) {
      await signIn(browser, mode, account); // External ID opens no page but sign-in
    } else if (browser.$('#givenName').length) {
      const givenName = rename ? `${account.givenName.replace(/ \d+$/, '')} ${++this.#renamed}` : account.givenName;
      await browser.submit('#continue', { givenName });
      this.account = { ...account, givenName };
    } else if (browser.$('#newPassword').length) {
      await browser.submit('#continue', { email: account.email, newPassword: account.password, reenterPassword: account.password });
    } else {
      throw new Error(`nothing to complete at ${browser.page.url}`);
    }
  }

  private remember(): void {
    const { redirects: chain, url } = this.browser.page; // every URL visited, the last one included
    this.callbacks.push(...chain.filter((u) => u.startsWith(`${this.stack.appOrigin}/redirect`)));
    const authorize = chain.filter((u) => new URL(u).pathname.endsWith('/oauth2/v2.0/authorize')).at(-1);
    if (authorize && url.startsWith(this.stack.emulator.origin)) this.idp = { page: url, authorize: new URL(authorize) };
  }
}
