// The log: one JSON line per record (pino), below-level records dropped, obvious secrets redacted
// even when a caller slips, lines written in batches once per turn of the event loop, nothing lost at exit.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { batched, createLogger } from '../../src/log.ts';

describe('createLogger', () => {
  it('writes one JSON line per record at or above its level', () => {
    const lines: string[] = [];
    const log = createLogger('warn', (line) => lines.push(line));
    log.info({ msg: 'dropped' });
    log.warn({ msg: 'kept', n: 1 });
    log.error({ msg: 'kept too' });
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.endsWith('\n'))).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', msg: 'kept', n: 1 });
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'error', msg: 'kept too' });
    expect(typeof JSON.parse(lines[0]!).time).toBe('number');
  });

  it('writes nothing at level silent', () => {
    const lines: string[] = [];
    const log = createLogger('silent', (line) => lines.push(line));
    log.error({ msg: 'dropped' });
    expect(lines).toEqual([]);
  });

  it('redacts a token, a code, an email, a name or a user that a careless caller passes', () => {
    const lines: string[] = [];
    const log = createLogger('info', (line) => lines.push(line));
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    log.warn({ msg: 'oops', idToken: jwt, code: 'the-code', email: 'someone@example.com', name: 'Some One', user: { givenName: 'Some' }, headers: { cookie: 'b2c.sid=1' } });
    expect(lines).toHaveLength(1);
    for (const secret of [jwt, 'the-code', 'someone@example.com', 'Some One', '"Some"', 'b2c.sid=1']) expect(lines[0]).not.toContain(secret);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'oops', idToken: '[redacted]', email: '[redacted]', user: '[redacted]' });
  });
});

describe('batched', () => {
  it('hands over the lines of one turn together, in order, after that turn', async () => {
    const chunks: string[] = [];
    const write = batched((chunk) => chunks.push(chunk));
    write('a\n');
    write('b\n');
    expect(chunks).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks).toEqual(['a\nb\n']);
    write('c\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks).toEqual(['a\nb\n', 'c\n']);
  });

  it('loses nothing when the process exits in the same turn', async () => {
    const script = "import { createLogger } from './src/log.ts'; const log = createLogger(); for (let i = 0; i < 3; i++) log.info({ msg: 'line', i }); process.exit(0);";
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: new URL('../..', import.meta.url) });
    expect(stdout.trim().split('\n').map((line) => JSON.parse(line).i)).toEqual([0, 1, 2]);
  });
});
