// A small scripted browser for HTTP journeys: a cookie jar that behaves like a browser's (per host,
// port-blind, path-scoped, Secure only over https, SameSite=Lax/Strict/None honoured for cross-site
// requests), redirects followed by hand, and forms/links read from the HTML the way a person uses
// them (fields by name, buttons by id, formaction respected). No JavaScript.
import * as cheerio from 'cheerio';

export interface Cookie {
  name: string;
  value: string;
  domain: string;
  hostOnly: boolean;
  path: string;
  expires: number | undefined;
  secure: boolean;
  httpOnly: boolean;
  sameSite: 'strict' | 'lax' | 'none';
}

export interface Page {
  /** Where the browser ended: the last URL fetched, or the redirect target it stopped at. */
  url: string;
  status: number;
  headers: Headers;
  body: string;
  /** Every URL visited on the way, the first included. */
  redirects: string[];
  /** True when a redirect was not followed because of `stopAt`. */
  stopped: boolean;
}

export interface BrowserOptions {
  /** Redirects to URLs for which this is true are recorded and not followed (e.g. an app's callback that no server answers in the test). */
  stopAt?: (url: URL) => boolean;
  maxRedirects?: number;
  /** Another browser's cookie jar, shared: the two are two tabs of one browser. A jar of its own by default. */
  jar?: CookieJar;
}

/** Schemeful site: scheme plus registrable domain (approximated by the last two labels; IPs and single labels as they are). */
export function siteOf(url: URL): string {
  const host = url.hostname;
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  const labels = host.split('.');
  return `${url.protocol}//${isIp || labels.length <= 2 ? host : labels.slice(-2).join('.')}`;
}

export class CookieJar {
  #cookies: Cookie[] = [];

  store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) this.#storeOne(url, line);
  }

  #storeOne(url: URL, line: string): void {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const cookie: Cookie = {
      name: pair.slice(0, eq), value: pair.slice(eq + 1), domain: url.hostname, hostOnly: true,
      path: defaultPath(url), expires: undefined, secure: false, httpOnly: false, sameSite: 'lax',
    };
    for (const attribute of attributes) {
      const [rawKey = '', ...rest] = attribute.split('=');
      const key = rawKey.toLowerCase();
      const value = rest.join('=');
      if (key === 'path' && value.startsWith('/')) cookie.path = value;
      else if (key === 'domain' && value) {
        const domain = value.replace(/^\./, '').toLowerCase();
        if (url.hostname !== domain && !url.hostname.endsWith(`.${domain}`)) return; // not ours to set
        cookie.domain = domain;
        cookie.hostOnly = false;
      } else if (key === 'max-age') cookie.expires = Date.now() + Number(value) * 1000;
      else if (key === 'expires' && cookie.expires === undefined) cookie.expires = Date.parse(value);
      else if (key === 'secure') cookie.secure = true;
      else if (key === 'httponly') cookie.httpOnly = true;
      else if (key === 'samesite') cookie.sameSite = (['strict', 'lax', 'none'].includes(value.toLowerCase()) ? value.toLowerCase() : 'lax') as Cookie['sameSite'];
    }
    // What browsers refuse: Secure cookies from plain http, and SameSite=None without Secure.
    if (cookie.secure && url.protocol !== 'https:') return;
    if (cookie.sameSite === 'none' && !cookie.secure) return;
    this.#cookies = this.#cookies.filter((c) => !(c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path));
    if (cookie.expires === undefined || cookie.expires > Date.now()) this.#cookies.push(cookie);
  }

  /** The Cookie header for a request; `crossSite` per the Fetch standard's site-for-cookies. */
  header(url: URL, { crossSite, method }: { crossSite: boolean; method: string }): string {
    return this.matching(url)
      .filter((c) => !crossSite || c.sameSite === 'none' || (c.sameSite === 'lax' && method === 'GET'))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** Cookies a same-site request to `url` would carry. */
  matching(url: URL): Cookie[] {
    const now = Date.now();
    this.#cookies = this.#cookies.filter((c) => c.expires === undefined || c.expires > now);
    return this.#cookies.filter((c) =>
      (c.hostOnly ? url.hostname === c.domain : url.hostname === c.domain || url.hostname.endsWith(`.${c.domain}`))
      && pathMatches(url.pathname, c.path)
      && (!c.secure || url.protocol === 'https:'));
  }

  all(): Cookie[] { return [...this.#cookies]; }

  clear(): void { this.#cookies = []; }

  /** Drops the cookies `which` picks (another site's session ending, say). */
  forget(which: (cookie: Cookie) => boolean): void { this.#cookies = this.#cookies.filter((c) => !which(c)); }
}

function defaultPath(url: URL): string {
  const path = url.pathname;
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}

type Fields = Record<string, string>;

export class Browser {
  readonly jar: CookieJar;
  #page: Page | undefined;
  /** Where a stopped navigation came from, so follow() continues it as the same navigation. */
  #stoppedChain: { initiator: string | null; crossSite: boolean } | undefined;

  constructor(private readonly options: BrowserOptions = {}) {
    this.jar = options.jar ?? new CookieJar();
  }

  get page(): Page {
    if (!this.#page) throw new Error('the browser has not loaded a page yet');
    return this.#page;
  }
  get url(): string { return this.page.url; }
  get status(): number { return this.page.status; }
  get body(): string { return this.page.body; }
  /** The current page, parsed. */
  get $(): cheerio.CheerioAPI { return cheerio.load(this.page.body); }
  /** The page's visible text, whitespace collapsed: what a person reads. */
  text(selector = 'body'): string { return this.$(selector).text().replace(/\s+/g, ' ').trim(); }

  /** Types a URL into the address bar (no initiator, so nothing is cross-site). */
  get(url: string | URL): Promise<Page> {
    return this.navigate('GET', new URL(url), undefined, null);
  }

  /** Posts a form body as if from the current page (or typed, when nothing is loaded yet). */
  post(url: string | URL, fields: Fields): Promise<Page> {
    const target = new URL(url, this.#page?.url);
    return this.navigate('POST', target, new URLSearchParams(fields), this.#initiator());
  }

  /** Follows the link the selector finds on the current page. */
  click(selector: string): Promise<Page> {
    const $ = this.$;
    const link = $(selector).first();
    const href = link.attr('href');
    if (!link.length || href === undefined) throw new Error(`no link ${selector} on ${this.url}`);
    return this.navigate('GET', new URL(href, this.url), undefined, this.#initiator());
  }

  /**
   * Submits a form: `selector` finds the form or the button to press (the button's formaction wins).
   * Fields keep the values the page put in them unless `fields` changes them; naming a field the
   * form does not have is an error, as a person could not type into it.
   */
  submit(selector: string, fields: Fields = {}): Promise<Page> {
    const $ = this.$;
    const chosen = $(selector).first();
    if (!chosen.length) throw new Error(`nothing matches ${selector} on ${this.url}`);
    const form = chosen.is('form') ? chosen : chosen.closest('form');
    if (!form.length) throw new Error(`${selector} is not in a form on ${this.url}`);
    const button = chosen.is('form') ? form.find('button[type=submit], button:not([type]), input[type=submit]').first() : chosen;

    const values = new URLSearchParams();
    const names = new Set<string>();
    form.find('input, textarea, select').each((_, element) => {
      const field = $(element);
      const name = field.attr('name');
      const type = (field.attr('type') ?? 'text').toLowerCase();
      if (!name || ['submit', 'button', 'image', 'reset'].includes(type)) return;
      names.add(name);
      if ((type === 'checkbox' || type === 'radio') && field.attr('checked') === undefined) return;
      const value = field.is('select') ? field.find('option[selected]').attr('value') ?? '' : field.is('textarea') ? field.text() : field.attr('value') ?? '';
      values.set(name, value);
    });
    for (const [name, value] of Object.entries(fields)) {
      if (!names.has(name)) throw new Error(`the form on ${this.url} has no field named ${name}`);
      values.set(name, value);
    }
    const buttonName = button.attr('name');
    if (buttonName) values.set(buttonName, button.attr('value') ?? '');

    const action = new URL(button.attr('formaction') ?? form.attr('action') ?? this.url, this.url);
    const method = (button.attr('formmethod') ?? form.attr('method') ?? 'GET').toUpperCase();
    if (method === 'GET') {
      action.search = values.toString();
      return this.navigate('GET', action, undefined, this.#initiator());
    }
    return this.navigate('POST', action, values, this.#initiator());
  }

  /** Follows the redirect the browser stopped at (see `stopAt`), e.g. once the app is up. */
  follow(): Promise<Page> {
    if (!this.page.stopped || !this.#stoppedChain) throw new Error('the browser is not stopped at a redirect');
    const { initiator, crossSite } = this.#stoppedChain;
    return this.navigate('GET', new URL(this.page.url), undefined, initiator, crossSite);
  }

  #initiator(): string | null {
    return this.#page ? siteOf(new URL(this.#page.url)) : null;
  }

  private async navigate(
    method: string, start: URL, body: URLSearchParams | undefined, initiator: string | null, wasCrossSite = false,
  ): Promise<Page> {
    const redirects: string[] = [];
    let url = start;
    let crossSite = wasCrossSite;
    this.#stoppedChain = undefined;
    for (let hop = 0; ; hop += 1) {
      redirects.push(url.href);
      // A redirect chain that was ever cross-site stays cross-site (for SameSite purposes).
      crossSite ||= initiator !== null && siteOf(url) !== initiator;
      const headers: Record<string, string> = { accept: 'text/html,application/json;q=0.9,*/*;q=0.8' };
      const cookie = this.jar.header(url, { crossSite, method });
      if (cookie) headers.cookie = cookie;
      if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
      const response = await fetch(url, { method, headers, body, redirect: 'manual' });
      this.jar.store(url, response.headers.getSetCookie());
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.arrayBuffer();
        const next = new URL(location, url);
        if (hop >= (this.options.maxRedirects ?? 20)) throw new Error(`too many redirects, at ${next.href}`);
        if (this.options.stopAt?.(next)) {
          this.#stoppedChain = { initiator, crossSite };
          this.#page = { url: next.href, status: response.status, headers: response.headers, body: '', redirects, stopped: true };
          return this.#page;
        }
        if (response.status !== 307 && response.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      this.#page = { url: url.href, status: response.status, headers: response.headers, body: await response.text(), redirects, stopped: false };
      return this.#page;
    }
  }
}
