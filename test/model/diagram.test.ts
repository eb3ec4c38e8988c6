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

  it('draws every transition that changes state on an arrow, one line each with its event and guard', () => {
    const arrows = mermaid(sessionMachine).split('\n').filter((line) => line.includes(' --> ') && !line.includes('[*]'));
    // One arrow per source and target (parallel arrows' labels would overlap), a line per transition.
    const pairs = arrows.map((line) => line.split(' : ')[0]);
    expect(new Set(pairs).size).toBe(pairs.length);
    const lines = arrows.flatMap((line) => {
      const [arrow, label] = line.trim().split(' : ');
      return label!.split('<br>').map((one) => `${arrow} : ${one}`);
    });
    const targeted = transitionsOf(sessionMachine).filter((t) => t.source !== '(machine)').flatMap((t) => t.targets);
    expect(lines).toHaveLength(targeted.length);
    expect(lines).toContain('answering --> redeeming : [always] hasCode');
    expect(lines).toContain('userFlow --> answering : CALLBACK [stateMatches]');
    expect(lines).toContain('redeeming --> returning : error: redeem');
    expect(lines).toContain('callingApi --> userFlow_authorizing : error: callApi [needsSignIn]');
    expect(arrows).toContain('  answering --> returning : [always] transactionExpired<br>[always] cancelled<br>[always] isError<br>[always] else');
  });

  it('labels every guard of the machine somewhere, the API call’s included', () => {
    const guards = new Set(transitionsOf(sessionMachine).map((t) => t.guard).filter((g): g is string => g !== null && g !== 'else'));
    expect([...guards]).toEqual(expect.arrayContaining(['apiConfigured', 'needsSignIn', 'signInDidNotHelp', 'resumesApi']));
    const diagram = mermaid(sessionMachine);
    // `EVENT [guard]`, or `[always] guard` for an eventless transition.
    for (const guard of guards) expect(diagram, guard).toMatch(new RegExp(`(\\[${guard}\\]|\\[always\\] ${guard})(<br>|$)`, 'm'));
  });

  it('changes when the machine changes, so a stale copy is noticed', () => {
    const changed = withEvent('signedIn', 'DELETE_ACCOUNT', { target: 'signedOut' });
    expect(mermaid(changed)).toContain('signedIn --> signedOut : DELETE_ACCOUNT');
    expect(docsPage(changed)).not.toBe(docsPage());
  });
});
