// SECURITY.md names, for every claim, the tests that prove it (issue #17 point 6). This reads its
// tables and fails when a row names a test that does not exist, or names nothing at all.
// The form of a "test" cell (test/support/test-titles.ts):
//   `test/app/failures.test.ts` › "a forged state gets a 400 page"; `test/x.test.ts` › "a", "b"
//   no test: why not
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { claimRows, namesATestIn, parseTestCell, titlesIn, type ClaimRow } from '../support/test-titles.ts';

const root = new URL('../../', import.meta.url);
const rows = claimRows(readFileSync(new URL('SECURITY.md', root), 'utf8'));
const sources = new Map<string, string | undefined>();

function sourceOf(file: string): string | undefined {
  if (!sources.has(file)) {
    const url = new URL(file, root);
    sources.set(file, existsSync(url) && statSync(url).isFile() ? readFileSync(url, 'utf8') : undefined);
  }
  return sources.get(file);
}

/** What is wrong with one row: its form, a file that is not there, a title no test has. */
function problemsOf(row: ClaimRow): string[] {
  const problems = [...row.errors];
  for (const { file, title } of row.tests) {
    const source = sourceOf(file);
    if (source === undefined) problems.push(`\`${file}\` does not exist`);
    else if (!namesATestIn(source, title)) problems.push(`\`${file}\` has no test titled "${title}"`);
  }
  return problems;
}

describe('SECURITY.md names the test that proves each claim', () => {
  it('has claims tables, each row with a test column', () => {
    expect(rows.length).toBeGreaterThan(40);
    expect(new Set(rows.map((r) => r.section)).size).toBeGreaterThanOrEqual(6);
  });

  it.each(rows.map((row) => [`${row.section.replace(/\s*\(.*\)$/, '')} › ${row.claim}`, row] as const))('%s', (name, row) => {
    expect(problemsOf(row), `SECURITY.md line ${row.line}, ${name}:\n  ${problemsOf(row).join('\n  ')}\n`).toEqual([]);
  });
});

describe('reading test titles out of a source', () => {
  const source = [
    "describe('outer', () => {",
    "  it('single quoted, it\\'s escaped', async () => {});",
    '  it("double quoted", () => {});',
    '  test(`a template ${NAME} title`, () => {});',
    "  it.each<[string, number]>([['invalid issuer', 1], ['expired token', 2]])('%s: refused with %i', () => {});",
    "  it.each(CASES)(\n    'multi-line %s title',\n    () => {},\n  );",
    "  describe.skipIf(!redis)('with Redis', () => {});",
    "  it.each`a | b`('tagged $a', () => {});",
    '  // it(\'a comment\', () => {});',
    "  expect(/x/.test('not a title')).toBe(true);",
    '});',
  ].join('\n');
  const titles = titlesIn(source);

  it('finds it, test and describe in any quotes, with each, generics and skipIf', () => {
    expect(titles.map((t) => t.raw)).toEqual([
      'outer',
      "single quoted, it's escaped",
      'double quoted',
      'a template ${NAME} title',
      '%s: refused with %i',
      'multi-line %s title',
      'with Redis',
      'tagged $a',
    ]);
  });

  it('takes a title or a part of it, placeholders as wildcards filled with what the file writes', () => {
    expect(namesATestIn(source, 'double quoted')).toBe(true);
    expect(namesATestIn(source, 'quoted, it’s')).toBe(true);
    expect(namesATestIn(source, 'invalid issuer: refused with 1')).toBe(true);
    expect(namesATestIn(source, 'invalid issuer: …')).toBe(true);
    expect(namesATestIn(source, '%s: refused')).toBe(true);
    expect(namesATestIn(source, 'with Redis')).toBe(true);
    expect(namesATestIn(source, 'a template')).toBe(true);
    expect(namesATestIn(source, 'missing sub: refused')).toBe(false); // not a case the file writes
    expect(namesATestIn(source, 'issuer: refused')).toBe(false); // nor is this
    expect(namesATestIn(source, 'triple quoted')).toBe(false);
    expect(namesATestIn(source, 'a comment')).toBe(false);
    expect(namesATestIn(source, 'not a title')).toBe(false);
    expect(namesATestIn(source, '…')).toBe(false);
  });
});

describe('reading a test cell', () => {
  it('takes files with quoted titles and notes, and "no test: …"', () => {
    expect(parseTestCell('`test/a.test.ts` › "one" (a note), "two; three"; `test/b.test.ts` › "four"; no test: why; not')).toEqual({
      tests: [
        { file: 'test/a.test.ts', title: 'one' },
        { file: 'test/a.test.ts', title: 'two; three' },
        { file: 'test/b.test.ts', title: 'four' },
      ],
      noTest: ['why; not'],
      errors: [],
    });
  });

  it.each([
    ['', /names nothing/],
    ['`test/a.test.ts`', /names no test/],
    ['a.test.ts "x"', /expected/],
    ['`test/a.test.ts` › headers', /quoted title/],
    ['`src/a.ts` › "x"', /not a test file/],
    ['`test/a.test.ts` › "x" and more', /unexpected/],
    ['no test:', /not why/],
  ])('refuses %j', (cell, error) => {
    expect(parseTestCell(cell).errors.join('\n')).toMatch(error);
  });
});
