// The committed diagram is the machine's: docs/statechart.md and the README's block are what
// `npm run diagram` would write now. When this fails, run `npm run diagram` and commit.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN, DOCS_PATH, docsPage, END, mermaid, README_PATH, withReadmeSection } from '../../scripts/diagram.ts';
import { sessionMachine } from '../../machines/session.ts';
import { transitionsOf } from './coverage.ts';
import { withEvent } from './variants.ts';

describe('the statechart diagram', () => {
  it('docs/statechart.md is up to date with the machine', () => {
    expect(readFileSync(DOCS_PATH, 'utf8'), 'stale: run npm run diagram').toBe(docsPage());
  });

  it("the README's statechart block is up to date with the machine", () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(readme).toContain(BEGIN);
    expect(readme).toContain(END);
    expect(withReadmeSection(readme), 'stale: run npm run diagram').toBe(readme);
  });

  it('draws every transition that changes state as an arrow with its event and guard', () => {
    const arrows = mermaid(sessionMachine).split('\n').filter((line) => line.includes(' --> ') && !line.includes('[*]'));
    const targeted = transitionsOf(sessionMachine).filter((t) => t.source !== '(machine)').flatMap((t) => t.targets);
    expect(arrows).toHaveLength(targeted.length);
    expect(arrows).toContain('  answering --> redeeming : [always] hasCode');
    expect(arrows).toContain('  userFlow --> answering : CALLBACK [stateMatches]');
    expect(arrows).toContain('  redeeming --> returning : error: redeem');
  });

  it('changes when the machine changes, so a stale copy is noticed', () => {
    const changed = withEvent('signedIn', 'DELETE_ACCOUNT', { target: 'signedOut' });
    expect(mermaid(changed)).toContain('signedIn --> signedOut : DELETE_ACCOUNT');
    expect(docsPage(changed)).not.toBe(docsPage());
  });
});
