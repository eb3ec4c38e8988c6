// machines/session.ts as Stately's tools see it: parsed by @xstate/machine-extractor (the parser
// of the VS Code extension and of the editor's "Import from code"), which reads the source text,
// not the running object. What it extracts must be the running machine: every state with its
// tags, initial state and invoked actors, every transition with its event, targets, guard and
// actions, and every literal param. Params computed by a function it cannot read: those left are
// listed here (REFUSED), so that a new one is noticed.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { sessionMachine } from '../../machines/session.ts';
import { eventLabel } from '../../src/flow/transitions.ts';
import { extractMachinesFromFile } from '../support/machine-extractor.ts';

const SOURCE = readFileSync(new URL('../../machines/session.ts', import.meta.url), 'utf8');

/** The params the extractor cannot read, with why they stay functions: context values handed to
 *  effects that src/http/session-machine.ts provides under these names (and the model tests'
 *  variants look for by name). */
const REFUSED = [
  "{ type: 'endSession', params: ({ context }) => ({ user: context.user }) }",
  "{ type: 'renewSession', params: ({ context }) => ({ endOtherSessions: context.transaction?.flow === 'resetPassword' }) }",
  "{ type: 'renewSession', params: ({ context }) => ({ endOtherSessions: context.transaction?.flow === 'resetPassword' }) }",
];

type Json = unknown;
type Many<T> = T | T[] | undefined;
interface XAction { kind: 'named' | 'inline' | 'builtin'; action: { type?: string; params?: Json; expr?: string } }
interface XTransition { target?: Many<string>; cond?: { kind: string; type: string }; actions?: Many<XAction> }
interface XInvoke { src: string; kind: string; onDone?: Many<XTransition>; onError?: Many<XTransition> }
interface XState {
  id?: string; initial?: string; tags?: Many<string>; entry?: Many<XAction>; exit?: Many<XAction>;
  on?: Record<string, Many<XTransition>>; always?: Many<XTransition>; invoke?: Many<XInvoke>;
  states?: Record<string, XState>; context?: Json; after?: unknown;
}

const many = <T>(value: Many<T>): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** One line per state and per transition branch, the same for both sides. */
interface Described { states: string[]; transitions: string[]; params: string[] }

/** An action's name as both sides give it; `params` when they are a literal (the extractor gives
 *  `{}` to an action named by a string, which has none). */
function actionOf(action: XAction): { type: string; params?: Json } {
  const { type = 'inline', params } = action.action;
  const literal = action.kind === 'named' && params !== undefined && !isEmpty(params);
  return literal ? { type, params } : { type };
}

const isEmpty = (value: unknown) => typeof value === 'object' && value !== null && Object.keys(value).length === 0;

function fromExtracted(root: XState): Described {
  const out: Described = { states: [], transitions: [], params: [] };
  const byPath = new Map<string, XState>();
  const walk = (node: XState, path: string[]) => {
    byPath.set(path.join('.'), node);
    for (const [key, child] of Object.entries(node.states ?? {})) walk(child, [...path, key]);
  };
  walk(root, []);
  // xstate's target syntax: `#id.path`, `.child`, or a sibling's path.
  const resolve = (source: string[], target: string) => {
    if (target.startsWith('#')) {
      const [id, ...rest] = target.slice(1).split('.');
      expect(id, `target ${target}`).toBe(root.id);
      return rest.join('.');
    }
    return target.startsWith('.') ? [...source, target.slice(1)].join('.') : [...source.slice(0, -1), target].join('.');
  };
  for (const [path, node] of byPath) {
    const source = path ? path.split('.') : [];
    const name = path || '(machine)';
    const tags = many(node.tags).sort().join(',');
    const invoked = many(node.invoke).map((i) => i.src).join(',');
    out.states.push(`${name} initial=${node.initial ?? ''} tags=${tags} invokes=${invoked} entry=${many(node.entry).map((a) => actionOf(a).type)} exit=${many(node.exit).map((a) => actionOf(a).type)}`);
    const branches = (event: string, transitions: Many<XTransition>) =>
      many(transitions).forEach((t, branch) => {
        const actions = many(t.actions).map(actionOf);
        const targets = many(t.target).map((target) => resolve(source, target) || '(machine)');
        out.transitions.push(`${name}: ${event} #${branch} [${t.cond?.type ?? ''}] -> ${targets.join(',')} / ${actions.map((a) => a.type).join(',')}`);
        for (const a of actions) if (a.params !== undefined) out.params.push(`${name}: ${event} #${branch} ${a.type} ${JSON.stringify(a.params)}`);
      });
    for (const [event, transitions] of Object.entries(node.on ?? {})) branches(event, transitions);
    branches('[always]', node.always);
    for (const invoke of many(node.invoke)) {
      branches(`done: ${invoke.src}`, invoke.onDone);
      branches(`error: ${invoke.src}`, invoke.onError);
    }
  }
  return sortAll(out);
}

type RunningAction = string | { type: string; params?: unknown } | ((...args: unknown[]) => void) & { type?: string };

function fromMachine(machine: AnyStateMachine): { described: Described; functionParams: number } {
  const out: Described = { states: [], transitions: [], params: [] };
  let functionParams = 0;
  const name = (node: AnyStateNode) => node.path.join('.') || '(machine)';
  const typeOf = (a: RunningAction) => (typeof a === 'string' ? a : a.type ?? 'inline');
  const all = (node: AnyStateNode): AnyStateNode[] => [node, ...Object.values(node.states).flatMap(all)];
  for (const node of all(machine.root)) {
    const initial = node.initial?.target.map((t) => t.key).join(',') ?? '';
    const invoked = node.invoke.map((i) => (typeof i.src === 'string' ? i.src : '?')).join(',');
    const entry = (node.entry as RunningAction[]).map(typeOf);
    const exit = (node.exit as RunningAction[]).map(typeOf);
    out.states.push(`${name(node)} initial=${initial} tags=${[...node.tags].sort().join(',')} invokes=${invoked} entry=${entry} exit=${exit}`);
    const lists = [...node.transitions.values(), ...(node.always ? [node.always] : [])];
    for (const list of lists) {
      list.forEach((t, branch) => {
        const event = eventLabel(node, t.eventType);
        const guard = typeof t.guard === 'string' ? t.guard : (t.guard as { type?: string } | undefined)?.type ?? '';
        const actions = t.actions as RunningAction[];
        const targets = (t.target ?? []).map(name);
        out.transitions.push(`${name(node)}: ${event} #${branch} [${guard}] -> ${targets.join(',')} / ${actions.map(typeOf).join(',')}`);
        for (const a of actions) {
          if (typeof a !== 'object' || !('params' in a)) continue;
          if (typeof a.params === 'function') functionParams += 1;
          else if (!isEmpty(a.params)) out.params.push(`${name(node)}: ${event} #${branch} ${a.type} ${JSON.stringify(a.params)}`);
        }
      });
    }
  }
  return { described: sortAll(out), functionParams };
}

const sortAll = (d: Described): Described => ({ states: d.states.sort(), transitions: d.transitions.sort(), params: d.params.sort() });

/** The machines the extractor finds in `source`, the first one's config as the editor gets it,
 *  and what it warned about while making that config (what it refused). */
function extract(source: string) {
  const warnings: string[] = [];
  const warn = vi.spyOn(console, 'warn').mockImplementation((message: string, detail?: { key?: string; value?: { start?: number; end?: number } }) => {
    // The refused node's source text: the line it is on, from the action object that holds it.
    const at = detail?.value?.start ?? 0;
    const from = source.lastIndexOf('{ type:', at);
    warnings.push(`${message} (${detail?.key}): ${source.slice(from, source.indexOf('}', detail?.value?.end ?? at) + 1)}`);
  });
  try {
    const machines = (extractMachinesFromFile(source)?.machines ?? []).filter((m) => m !== undefined);
    return { machines, config: machines[0]?.toConfig() as XState | undefined, warnings };
  } finally {
    warn.mockRestore();
  }
}

describe('machines/session.ts in Stately’s tools (@xstate/machine-extractor)', () => {
  afterEach(() => vi.restoreAllMocks());

  const { machines, config, warnings } = extract(SOURCE);

  it('finds exactly one machine, `setup(...).createMachine(...)`, with the initial context', () => {
    expect(machines).toHaveLength(1);
    expect(machines[0]!.machineCallResult.calleeName).toBe('createMachine');
    expect(config).toMatchObject({ id: 'session', initial: 'signedOut' });
    expect(config!.context).toEqual(sessionMachine.config.context);
  });

  it('extracts every state, transition, guard, target, invoked actor and tag of the running machine', () => {
    const extracted = fromExtracted(config!);
    const running = fromMachine(sessionMachine).described;
    expect(extracted.states).toEqual(running.states);
    expect(extracted.transitions).toEqual(running.transitions);
    // Not vacuous: the lines name what the machine is made of.
    expect(running.states).toContain('redeeming initial= tags=busy invokes=redeem entry= exit=');
    expect(running.transitions).toContain('answering: [always] #4 [hasCode] -> redeeming / ');
    expect(running.transitions).toContain('callingApi: error: callApi #0 [needsSignIn] -> userFlow.authorizing / resumeWithApi');
  });

  it('reads every literal param as the machine has it', () => {
    const extracted = fromExtracted(config!);
    const running = fromMachine(sessionMachine);
    expect(extracted.params).toEqual(running.described.params);
    expect(extracted.params).toContain("signedOut: CALLBACK #0 showProblem {\"problem\":\"staleCallback\"}");
  });

  it('refuses only the params listed in REFUSED, with a warning each', () => {
    expect(warnings.map((w) => w.replace(/^Unsupported property value of type ArrowFunctionExpression in assignment \(params\): /, ''))).toEqual(REFUSED);
    expect(fromMachine(sessionMachine).functionParams).toBe(REFUSED.length);
  });

  it('tells a changed source from the machine (a guard renamed, a target moved)', () => {
    const running = fromMachine(sessionMachine).described.transitions;
    for (const [from, to] of [["guard: 'hasCode'", "guard: 'hasCodes'"], ["{ guard: 'hasUser', target: 'signedIn' }", "{ guard: 'hasUser', target: 'signedOut' }"]] as const) {
      expect(SOURCE).toContain(from);
      const changed = extract(SOURCE.replace(from, to)).config!;
      expect(fromExtracted(changed).transitions).not.toEqual(running);
    }
  });
});
