// The emulator is a tool of its own: nothing under src/emulator reaches into the app (src/http,
// src/identity, machines/, config), and every package it loads is a runtime dependency.
import { readdir, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EMULATOR = join(ROOT, 'src', 'emulator');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return Promise.resolve(entry.name.endsWith('.ts') ? [path] : []);
  }));
  return nested.flat();
}

/** Every module specifier a file names: static imports, re-exports and dynamic imports. */
function specifiers(source: string): string[] {
  const found = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)];
  return found.map((match) => match[1] ?? match[2] ?? match[3]!);
}

describe('src/emulator', () => {
  it('imports nothing from the app, and only runtime dependencies and Node built-ins from outside', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const outside: string[] = [];
    const files = await sources(EMULATOR);
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      for (const specifier of specifiers(await readFile(file, 'utf8'))) {
        const where = `${relative(ROOT, file)} → ${specifier}`;
        if (specifier.startsWith('.')) {
          if (relative(EMULATOR, resolve(dirname(file), specifier)).startsWith('..')) outside.push(where);
        } else if (specifier.startsWith('node:') || builtinModules.includes(specifier)) {
          continue;
        } else {
          const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
          if (!(name in pkg.dependencies)) outside.push(where);
        }
      }
    }
    expect(outside).toEqual([]);
  });
});
