// One journey = one fresh browser context and page. Every page the person reaches is photographed
// (test-results/browser/<journey>/<nn>-<page>.png) and checked with axe-core; the journey also
// fails on anything the browser itself complains about (console errors such as CSP violations,
// uncaught page errors) and on any request that would leave loopback.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { AxeResults, Result } from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';

const RESULTS = fileURLToPath(new URL('../../test-results/browser/', import.meta.url));
const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface Journey {
  page: Page;
  /** Photograph and axe-check the page the browser is on now, as the journey's next step. */
  see(name: string): Promise<void>;
  /** Every URL the top-level frame requested, redirect hops included, in order. */
  navigations: string[];
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export async function journey(browser: Browser, name: string, steps: (j: Journey) => Promise<void>): Promise<void> {
  const dir = `${RESULTS}${name}/`;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  // The real CSP stays on: axe goes in through page.evaluate (DevTools protocol, which CSP does not
  // govern) rather than a <script> tag, so the journeys also prove the pages work under their CSP.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  const complaints: string[] = [];
  await context.route((url) => !LOOPBACK.has(url.hostname), async (route) => {
    complaints.push(`request off loopback: ${route.request().url()}`);
    await route.abort('blockedbyclient');
  });

  const page = await context.newPage();
  const navigations: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) navigations.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // A page answered with an error status (e.g. 400 for a wrong password) is the journey's to judge
    // by what it shows; a failed stylesheet, image or script is not.
    const documentStatus = message.text().startsWith('Failed to load resource') && message.location().url === page.url();
    if (!documentStatus) complaints.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => complaints.push(`page error on ${page.url()}: ${error.message}`));

  let step = 0;
  const see = async (pageName: string) => {
    step += 1;
    const file = `${dir}${String(step).padStart(2, '0')}-${pageName}`;
    await page.screenshot({ path: `${file}.png`, fullPage: true, animations: 'disabled' });
    const violations = await axeViolations(page);
    if (violations.length > 0) await writeFile(`${file}.axe.json`, JSON.stringify(violations, null, 2));
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    // Soft, so one journey reports the violations of every page it reaches, not just the first.
    expect.soft(serious.map(explain), `axe: serious/critical violations on ${pageName} (${page.url()})`).toEqual([]);
  };

  try {
    await steps({ page, see, navigations });
  } finally {
    await context.close();
  }
  expect(complaints, 'the browser complained').toEqual([]);
}

async function axeViolations(page: Page): Promise<Result[]> {
  const source = await axeSource;
  await page.evaluate(source);
  const results = await page.evaluate(() =>
    (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }).axe.run(document, {
      resultTypes: ['violations'],
    }),
  );
  return results.violations;
}

function explain(violation: Result): string {
  const where = violation.nodes.map((node) => `${node.target.join(' ')}: ${node.failureSummary?.replace(/\s+/g, ' ') ?? ''}`);
  return `[${violation.impact}] ${violation.id}: ${violation.help} (${violation.helpUrl})\n    ${where.join('\n    ')}`;
}
