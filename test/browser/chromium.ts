// Debian's Chromium, driven by playwright-core (no browser download). A developer without it gets
// one line and a skipped suite; CI (any truthy CI, see isCI) must run the journeys, so there a
// missing Chromium fails.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { skipWithout } from '../support/skip.ts';

/** Overridable only so the skip/fail rule itself can be tried without uninstalling anything. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const skipBrowserJourneys = skipWithout(CHROMIUM_PATH, 'browser journeys', 'apt-get install chromium');

const ARGS = [
  '--headless',
  '--no-sandbox', // CI runs as root in a container, where Chromium's sandbox cannot start
  '--disable-gpu',
  '--disable-background-networking', // nothing but loopback traffic
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * One browser process. `launch` (not `--user-data-dir`, which playwright refuses) gives every run a
 * fresh profile in a temp dir of its own and deletes it on close; each journey then gets a fresh
 * context, i.e. its own cookies and storage.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found: on CI the browser journeys must run (apt-get install -y chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS });
}
