// /_flow in Chromium at 1280 × 800, as a developer first opens it: every label of the chart must be
// at least 11 CSS pixels high, measured on the rendered page (each line of each label's text, from
// the browser's layout, so any zoom is included), in the view it opens with and after each of its
// controls; the current state highlighted; the page under its CSP with no complaint (journey()).
// Screenshots: test-results/browser/flow-view/.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionMachine } from '../../machines/session.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { launchChromium, skipBrowserJourneys } from './chromium.ts';
import { journey } from './journey.ts';

const MIN_LABEL_PX = 11;

interface Labels {
  /** Every line of every label: its text and height in CSS pixels. */
  lines: { text: string; height: number }[];
  smallest: number;
}

/** Each line box of each text of the chart, as laid out now. */
function measureLabels(page: Page): Promise<Labels> {
  return page.evaluate(() => {
    const svg = document.querySelector('#diagram svg')!;
    const lines: { text: string; height: number }[] = [];
    const walker = document.createTreeWalker(svg, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent!.trim() || node.parentElement?.closest('style')) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) lines.push({ text: node.textContent!.trim(), height: rect.height });
    }
    return { lines, smallest: Math.min(...lines.map((l) => l.height)) };
  });
}

/** Arrow labels drawn over a state, a note, a composite's title or another label: unreadable too. */
function coveredLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const svg = document.querySelector('#diagram svg')!;
    const named = (e: Element) => (e.textContent ?? '').trim();
    const things = [...svg.querySelectorAll('g.node, .cluster-label, g.edgeLabel')].filter(named);
    const found: string[] = [];
    for (const label of svg.querySelectorAll('g.edgeLabel')) {
      const a = label.getBoundingClientRect();
      if (!named(label)) continue;
      for (const other of things) {
        const b = other.getBoundingClientRect();
        if (other !== label && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) found.push(`${named(label)} over ${named(other)}`);
      }
    }
    return found;
  });
}

/** The view's state: its zoom, the smallest it allows, where it is scrolled, where the current state is. */
function view(page: Page) {
  return page.evaluate(() => {
    const viewport = document.getElementById('viewport')!;
    const current = document.querySelector('#diagram svg g.current');
    const box = viewport.getBoundingClientRect();
    const at = current?.getBoundingClientRect();
    return {
      zoom: Number(viewport.dataset.zoom),
      minZoom: Number(viewport.dataset.minZoom),
      scroll: [viewport.scrollLeft, viewport.scrollTop],
      currentId: current?.id ?? null,
      currentFill: current ? getComputedStyle(current.querySelector('rect, path')!).fill : null,
      // The current state's middle lies inside the viewport: it is what the page shows.
      currentShown: !!at && at.left + at.width / 2 > box.left && at.left + at.width / 2 < box.right && at.top + at.height / 2 > box.top && at.top + at.height / 2 < box.bottom,
    };
  });
}

describe.skipIf(skipBrowserJourneys)('/_flow in Chromium', () => {
  let stack: Stack;
  let browser: Browser | undefined;
  beforeAll(async () => {
    stack = await startStack({ FLOW_VIEW: 'on' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const smallest: Record<string, number> = {};

  it('opens on the current state with every label readable, and stays readable whatever the controls do', () =>
    journey(browser!, 'flow-view', async ({ page, see }) => {
      await page.goto(`${stack.appOrigin}/_flow`);
      await page.locator('#viewport[data-ready]').waitFor();
      expect(page.viewportSize()).toEqual({ width: 1280, height: 800 });

      // As it opens: readable, on the current state, highlighted.
      const opened = await measureLabels(page);
      smallest.opened = opened.smallest;
      const texts = new Set(opened.lines.map((l) => l.text));
      for (const state of ['signedOut', 'signedIn', 'userFlow', 'authorizing', 'editingProfile', 'resettingPassword', 'answering', 'returning', 'awaitingCallback']) {
        expect(texts, `the label of ${state}`).toContain(state);
      }
      expect([...texts]).toEqual(expect.arrayContaining(['redeeming (busy)', 'callingApi (busy)', 'CALL_API [apiConfigured]', '[always] hasCode', 'error: callApi [needsSignIn]']));
      expect(opened.lines.length, 'every state and transition has a label line').toBeGreaterThan(Object.keys(sessionMachine.root.states).length + 40);
      expect(opened.smallest).toBeGreaterThanOrEqual(MIN_LABEL_PX);
      expect(await coveredLabels(page)).toEqual([]);
      const start = await view(page);
      expect(start.currentId).toMatch(/-state-signedOut-\d+$/);
      expect(start.currentFill).toBe('rgb(255, 213, 79)');
      expect(start.currentShown).toBe(true);
      expect(await page.locator('#current').innerText()).toBe('signedOut');
      await see('opened');

      // The widest view the page allows: zoomed out, still readable; − can go no further.
      await page.click('#show-all');
      const widest = await view(page);
      expect(widest.zoom).toBe(widest.minZoom);
      expect(widest.zoom).toBeLessThan(start.zoom);
      smallest.widest = (await measureLabels(page)).smallest;
      expect(smallest.widest).toBeGreaterThanOrEqual(MIN_LABEL_PX);
      expect(await page.locator('#zoom-out').isDisabled()).toBe(true);
      await page.locator('#viewport').press('-');
      await page.mouse.move(400, 400);
      await page.keyboard.down('Control');
      await page.mouse.wheel(0, 300);
      await page.keyboard.up('Control');
      expect((await view(page)).zoom).toBe(widest.minZoom);
      expect((await measureLabels(page)).smallest).toBeGreaterThanOrEqual(MIN_LABEL_PX);
      await see('widest');

      // Zoom in: labels grow.
      await page.click('#zoom-in');
      expect((await view(page)).zoom).toBeGreaterThan(widest.zoom);
      expect((await measureLabels(page)).smallest).toBeGreaterThan(smallest.widest);

      // Pan by the map, by dragging and by keys: the view moves, the labels keep their size.
      const map = page.locator('#map img');
      const box = (await map.boundingBox())!;
      const before = (await view(page)).scroll;
      await page.mouse.click(box.x + box.width * 0.1, box.y + box.height * 0.9);
      const moved = (await view(page)).scroll;
      expect(moved).not.toEqual(before);
      await page.mouse.move(600, 500);
      await page.mouse.down();
      await page.mouse.move(400, 350, { steps: 5 });
      await page.mouse.up();
      const dragged = (await view(page)).scroll;
      expect(dragged[0]).toBeGreaterThan(moved[0]!);
      await page.locator('#viewport').press('ArrowDown');
      smallest.panned = (await measureLabels(page)).smallest;
      expect(smallest.panned).toBeGreaterThanOrEqual(MIN_LABEL_PX);
      await see('panned');

      // And back to the current state.
      await page.click('#show-current');
      expect(await view(page)).toMatchObject({ zoom: start.zoom, currentShown: true });
    }));

  it('follows the browser: signed in, the current state moves and the events are listed', () =>
    journey(browser!, 'flow-view-signed-in', async ({ page, see }) => {
      const demo = stack.emulator.demoUser;
      await page.goto(`${stack.appOrigin}/`);
      await page.click('#SignIn');
      await page.locator('#signInName').waitFor();
      await page.fill('#signInName', demo.email);
      await page.fill('#password', demo.password);
      await page.click('#next');
      await page.locator('#EditProfile').waitFor();

      await page.goto(`${stack.appOrigin}/_flow`);
      await page.locator('#viewport[data-ready]').waitFor();
      const now = await view(page);
      expect(now.currentId).toMatch(/-state-signedIn-\d+$/);
      expect(now.currentFill).toBe('rgb(255, 213, 79)');
      expect(now.currentShown).toBe(true);
      expect(await page.locator('#current').innerText()).toBe('signedIn');
      const events = await page.locator('#recent li').allInnerTexts();
      expect(events.some((e) => /CALLBACK: userFlow\.authorizing\.awaitingCallback → signedIn$/.test(e))).toBe(true);
      smallest.signedIn = (await measureLabels(page)).smallest;
      expect(smallest.signedIn).toBeGreaterThanOrEqual(MIN_LABEL_PX);
      await see('signed-in');
    }));

  afterAll(() => {
    if (Object.keys(smallest).length) console.log(`/_flow at 1280×800, smallest label line (CSS px): ${JSON.stringify(smallest)}`);
  });
});
