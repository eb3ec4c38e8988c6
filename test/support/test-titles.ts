// Reads test titles out of a test file's source text, and the claims tables out of SECURITY.md,
// so that test/security/claims-named.test.ts can check that every test SECURITY.md names exists.
//
// Titles: it('…'), test('…'), describe('…'), with any modifiers (it.each(…)('…'),
// describe.skipIf(…)('…'), it.only('…')), in single, double or backtick quotes. A template's
// `${…}` and vitest's it.each placeholders (%s, %i, %d, %f, %j, %o, %#, %$, $name) are wildcards.
// No TypeScript parser: a scan of the text, which is enough for how this repository writes tests.

/** A title as written, split at its wildcards: literal text, then a wildcard, then literal text, … */
export interface Title {
  kind: 'it' | 'test' | 'describe';
  /** the title as written in the source (placeholders and `${…}` kept verbatim) */
  raw: string;
  /** literal parts; between two consecutive parts stands one wildcard */
  parts: string[];
  line: number;
}

const CALLEE = /(?<![\w$.])(it|test|describe)\b/g;

/** Every it/test/describe title in a test file's source. */
export function titlesIn(source: string): Title[] {
  const titles: Title[] = [];
  for (const match of source.matchAll(CALLEE)) {
    const start = match.index;
    const lineStart = source.lastIndexOf('\n', start) + 1;
    if (/^\s*(\/\/|\*|\/\*)/.test(source.slice(lineStart, start + 1))) continue; // a comment
    const title = titleAfter(source, start + match[0].length);
    if (title === undefined) continue;
    const { raw, parts } = title;
    const line = source.slice(0, start).split('\n').length;
    titles.push({ kind: match[1] as Title['kind'], raw, parts: splitPlaceholders(parts), line });
  }
  return titles;
}

/** After `it`: a chain of `.name` and `(…)` (skipped) until `(` opens on a string literal. */
function titleAfter(source: string, from: number): { raw: string; parts: string[] } | undefined {
  let at = from;
  for (let steps = 0; steps < 8; steps++) {
    at = skipSpace(source, at);
    const char = source[at];
    if (char === '.') {
      const name = /^\.\s*[A-Za-z_$][\w$]*/.exec(source.slice(at));
      if (!name) return undefined;
      at += name[0].length;
    } else if (char === '`') {
      at = readTemplate(source, at).end; // it.each`table`
    } else if (char === '<') {
      at = skipTypeArguments(source, at); // it.each<[string, number]>(…)
    } else if (char === '(') {
      const inner = skipSpace(source, at + 1);
      const quote = source[inner];
      if (quote === "'" || quote === '"' || quote === '`') return readConcatenation(source, inner);
      const end = skipBalanced(source, at);
      if (end === undefined) return undefined;
      at = end;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** 'a' + 'b' + `c${d}`: the literal parts, joined, with a wildcard for each `${…}`. */
function readConcatenation(source: string, at: number): { raw: string; parts: string[] } | undefined {
  let raw = '';
  let parts: string[] = [''];
  for (;;) {
    const quote = source[at];
    let piece: { raw: string; parts: string[]; end: number };
    if (quote === '`') piece = readTemplate(source, at);
    else if (quote === "'" || quote === '"') piece = readString(source, at);
    else return undefined;
    raw += piece.raw;
    parts = [...parts.slice(0, -1), (parts.at(-1) ?? '') + (piece.parts[0] ?? ''), ...piece.parts.slice(1)];
    at = skipSpace(source, piece.end);
    if (source[at] !== '+') return { raw, parts };
    at = skipSpace(source, at + 1);
    if (!["'", '"', '`'].includes(source[at] ?? '')) {
      // 'a' + name: the rest is a wildcard
      return { raw: `${raw}\${…}`, parts: [...parts, ''] };
    }
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };

function unescape(char: string): string {
  return ESCAPES[char] ?? char;
}

function readString(source: string, at: number): { raw: string; parts: string[]; end: number } {
  const quote = source[at];
  let text = '';
  let i = at + 1;
  while (i < source.length && source[i] !== quote) {
    if (source[i] === '\\') {
      text += unescape(source[i + 1] ?? '');
      i += 2;
    } else {
      text += source[i];
      i += 1;
    }
  }
  return { raw: text, parts: [text], end: i + 1 };
}

function readTemplate(source: string, at: number): { raw: string; parts: string[]; end: number } {
  const parts: string[] = [''];
  let raw = '';
  let i = at + 1;
  while (i < source.length && source[i] !== '`') {
    if (source[i] === '\\') {
      const char = unescape(source[i + 1] ?? '');
      parts[parts.length - 1] = (parts.at(-1) ?? '') + char;
      raw += char;
      i += 2;
    } else if (source[i] === '$' && source[i + 1] === '{') {
      const end = skipExpression(source, i + 2, '}');
      raw += source.slice(i, end);
      parts.push('');
      i = end;
    } else {
      parts[parts.length - 1] = (parts.at(-1) ?? '') + (source[i] ?? '');
      raw += source[i] ?? '';
      i += 1;
    }
  }
  return { raw, parts, end: i + 1 };
}

/** From just inside an opening bracket to just past its `close`, over strings and templates. */
function skipExpression(source: string, at: number, close: string): number {
  const stack = [close];
  let i = at;
  while (i < source.length && stack.length > 0) {
    const char = source[i] ?? '';
    if (char === "'" || char === '"') i = readString(source, i).end;
    else if (char === '`') i = readTemplate(source, i).end;
    else if (char === '/' && source[i + 1] === '/') i = source.indexOf('\n', i) === -1 ? source.length : source.indexOf('\n', i);
    else if (char === '/' && source[i + 1] === '*') i = source.indexOf('*/', i) === -1 ? source.length : source.indexOf('*/', i) + 2;
    else {
      if (char === '(') stack.push(')');
      else if (char === '[') stack.push(']');
      else if (char === '{') stack.push('}');
      else if (char === stack.at(-1)) stack.pop();
      i += 1;
    }
  }
  return i;
}

/** From `<` to just past its `>`, over nested ones (an arrow's `=>` is not one). */
function skipTypeArguments(source: string, at: number): number {
  let depth = 0;
  for (let i = at; i < source.length; i++) {
    const char = source[i];
    if (char === "'" || char === '"') i = readString(source, i).end - 1;
    else if (char === '<') depth += 1;
    else if (char === '>' && source[i - 1] !== '=') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return source.length;
}

function skipBalanced(source: string, at: number): number | undefined {
  const end = skipExpression(source, at + 1, ')');
  return end > source.length ? undefined : end;
}

function skipSpace(source: string, at: number): number {
  let i = at;
  while (i < source.length && /\s/.test(source[i] ?? '')) i += 1;
  return i;
}

/**
 * it.each's printf placeholders and its $name / $0 references become wildcards too (%% is a %).
 * Applied to every title: at worst a plain title that writes one of them matches a little more.
 */
function splitPlaceholders(parts: string[]): string[] {
  return parts.flatMap((part) => part.split(/%[sdifjo#$]|\$[A-Za-z_][\w.]*|\$\d+/).map((piece) => piece.replaceAll('%%', '%')));
}

/** Curly quotes as straight ones, runs of white space as one space: how people retype a title. */
export function normalise(text: string): string {
  return text.replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/\s+/g, ' ');
}

/**
 * Does `wanted` name this title: is it a part of some title the source can produce? It must touch
 * at least one character the source wrote (a wildcard alone names nothing), and what it puts where
 * a wildcard stands must be a whole literal of the file (an it.each case, a constant's number):
 * "invalid issuer: refused" names `it.each([['invalid issuer', …]])('%s: refused …')`,
 * "nonsense: refused" and "issuer: refused" do not.
 */
export function names(title: Title, wanted: string, source: string): boolean {
  const text = normalise(wanted).trim();
  if (text === '') return false;
  if (normalise(title.raw).includes(text)) return true; // quoted as written, placeholders and all
  const parts = title.parts.map(normalise);
  const written = literalsIn(source);
  for (let i = 0; i < parts.length; i++) {
    const first = parts[i] ?? '';
    if (first.includes(text)) return true;
    for (let j = i + 1; j < parts.length; j++) {
      const middle = parts.slice(i + 1, j);
      const pattern = new RegExp(
        `^(${alternatives(suffixes(first))})${middle.map((m) => `([\\s\\S]*?)${escape(m)}`).join('')}([\\s\\S]*?)(${alternatives(prefixes(parts[j] ?? ''))})$`,
      );
      const match = pattern.exec(text);
      if (!match) continue;
      const groups = match.slice(1);
      const literal = (groups[0] ?? '').length + (groups.at(-1) ?? '').length + middle.join('').length;
      const filled = groups.slice(1, -1).map((g) => g.trim()).filter((g) => g !== '');
      if (literal > 0 && filled.every((g) => written.has(g))) return true;
    }
  }
  return false;
}

/** Every string literal (a template's only if it has no `${…}`) and number literal of a source. */
function literalsIn(source: string): Set<string> {
  const literals = new Set<string>();
  let i = 0;
  while (i < source.length) {
    const char = source[i];
    if (char === '/' && source[i + 1] === '/') {
      i = source.indexOf('\n', i) === -1 ? source.length : source.indexOf('\n', i);
    } else if (char === '/' && source[i + 1] === '*') {
      i = source.indexOf('*/', i) === -1 ? source.length : source.indexOf('*/', i) + 2;
    } else if (char === "'" || char === '"') {
      const line = source.indexOf('\n', i);
      const literal = readString(source, i);
      if (line !== -1 && literal.end > line + 1) i += 1; // not a string (a quote in a regex): go on after it
      else {
        literals.add(normalise(literal.raw).trim());
        i = literal.end;
      }
    } else if (char === '`') {
      const literal = readTemplate(source, i);
      if (literal.parts.length === 1) literals.add(normalise(literal.raw).trim());
      i = literal.end;
    } else {
      const number = /^\d[\d_]*(?:\.\d+)?(?![\w])/.exec(source.slice(i, i + 30));
      if (number && !/[\w.$]/.test(source[i - 1] ?? '')) {
        literals.add(number[0].replaceAll('_', ''));
        i += number[0].length;
      } else i += 1;
    }
  }
  return literals;
}

/** Does `wanted` name a test (or describe block) of this source? `…` in it stands for anything. */
export function namesATestIn(source: string, wanted: string, titles: Title[] = titlesIn(source)): boolean {
  const fragments = wanted.split('…').map((f) => f.trim()).filter((f) => f !== '');
  if (fragments.length === 0) return false;
  return titles.some((title) => fragments.every((fragment) => names(title, fragment, source)));
}

function suffixes(text: string): string[] {
  return Array.from({ length: text.length + 1 }, (_, i) => text.slice(i));
}

function prefixes(text: string): string[] {
  return Array.from({ length: text.length + 1 }, (_, i) => text.slice(0, text.length - i));
}

function alternatives(options: string[]): string {
  return options.map(escape).join('|');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// SECURITY.md: every table with a "test" column; each cell of that column is a list, separated by
// `;`, of items of two kinds:
//   `test/…/x.test.ts` › "title" (an optional note), "another title"
//   no test: why (the rest of the cell)
// A title is a test's (or a describe block's) title or a distinctive part of it; `…` in it stands
// for anything (so "invalid nonce: …" is the it.each case "invalid nonce").

export interface NamedTest {
  file: string;
  title: string;
}

export interface ClaimRow {
  /** the heading above the table */
  section: string;
  /** the row's first cell (the threat) */
  claim: string;
  /** line in SECURITY.md, from 1 */
  line: number;
  cell: string;
  tests: NamedTest[];
  /** the reasons given after "no test:" */
  noTest: string[];
  /** what in the cell is not in the form above */
  errors: string[];
}

/** The rows of every table in a markdown text that has a column headed "test". */
export function claimRows(markdown: string): ClaimRow[] {
  const lines = markdown.split('\n');
  const rows: ClaimRow[] = [];
  let section = '';
  let column = -1;
  for (const [index, line] of lines.entries()) {
    if (/^#{1,6}\s/.test(line)) section = line.replace(/^#+\s*/, '').trim();
    if (!line.trim().startsWith('|')) {
      column = -1;
      continue;
    }
    const cells = cellsOf(line);
    if (column === -1) {
      // a header row, if the next line is the delimiter row
      if (/^\s*\|?\s*:?-{3,}/.test(lines[index + 1] ?? '')) column = cells.findIndex((c) => c.trim().toLowerCase() === 'test');
      if (column === -1) column = -2; // a table without a test column
      continue;
    }
    if (column === -2 || /^[\s|:-]+$/.test(line)) continue;
    const cell = (cells[column] ?? '').trim();
    rows.push({ section, claim: (cells[0] ?? '').trim(), line: index + 1, cell, ...parseTestCell(cell) });
  }
  return rows;
}

function cellsOf(line: string): string[] {
  const cells = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/);
  return cells.map((c) => c.replaceAll('\\|', '|'));
}

/** The items of one "test" cell, in the form described above. */
export function parseTestCell(cell: string): Pick<ClaimRow, 'tests' | 'noTest' | 'errors'> {
  const tests: NamedTest[] = [];
  const noTest: string[] = [];
  const errors: string[] = [];
  let at = 0;
  const space = () => {
    while (at < cell.length && /\s/.test(cell[at] ?? '')) at += 1;
  };
  const rest = () => cell.slice(at, at + 40);
  space();
  if (at >= cell.length) return { tests, noTest, errors: ['the test column names nothing: name a test, or say "no test: …"'] };
  for (;;) {
    space();
    if (/^no test:/i.test(cell.slice(at))) {
      const why = cell.slice(at + 'no test:'.length).trim();
      if (why === '') errors.push('"no test:" says not why');
      else noTest.push(why);
      return { tests, noTest, errors };
    }
    if (cell[at] !== '`') {
      errors.push(`expected \`test/….test.ts\` › "title" or "no test: …", found "${rest()}"`);
      return { tests, noTest, errors };
    }
    const close = cell.indexOf('`', at + 1);
    const file = cell.slice(at + 1, close === -1 ? cell.length : close);
    at = close === -1 ? cell.length : close + 1;
    if (!/^test\/[\w./-]+\.test\.ts$/.test(file) || file.includes('..')) errors.push(`\`${file}\` is not a test file (test/….test.ts)`);
    space();
    if (cell[at] !== '›') {
      errors.push(`\`${file}\` names no test: write \`${file}\` › "the test's title"`);
      return { tests, noTest, errors };
    }
    at += 1;
    for (;;) {
      space();
      if (cell[at] !== '"') {
        errors.push(`after \`${file}\` ›, expected a "quoted title", found "${rest()}"`);
        return { tests, noTest, errors };
      }
      const end = cell.indexOf('"', at + 1);
      if (end === -1) {
        errors.push(`an unclosed quote after \`${file}\` ›`);
        return { tests, noTest, errors };
      }
      const title = cell.slice(at + 1, end);
      if (title.replaceAll('…', '').trim() === '') errors.push(`an empty title after \`${file}\` ›`);
      else tests.push({ file, title });
      at = end + 1;
      space();
      if (cell[at] === '(') at = skipNote(cell, at);
      space();
      if (cell[at] !== ',') break;
      at += 1;
    }
    space();
    if (at >= cell.length) return { tests, noTest, errors };
    if (cell[at] !== ';') {
      errors.push(`unexpected "${rest()}" (items are separated by ";")`);
      return { tests, noTest, errors };
    }
    at += 1;
  }
}

/** A parenthesised note: to just past its `)`. */
function skipNote(cell: string, at: number): number {
  let depth = 0;
  for (let i = at; i < cell.length; i++) {
    if (cell[i] === '(') depth += 1;
    else if (cell[i] === ')' && --depth === 0) return i + 1;
  }
  return cell.length;
}
