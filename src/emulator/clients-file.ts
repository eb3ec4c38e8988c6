// `npm run emulator -- --clients <file.json>`: the applications to register, for a team whose apps
// are more than the one the APP_* variables describe. Every problem is one line naming the file.
import { readFile } from 'node:fs/promises';

import type { EmulatorClient } from './options.ts';

const EXAMPLE = '[{"clientId": "...", "clientSecret": "...", "redirectUris": ["http://localhost:3000/redirect"], "postLogoutRedirectUris": ["http://localhost:3000"]}]';

export async function readClientsFile(path: string): Promise<EmulatorClient[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`--clients ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`--clients ${path}: not JSON; expected ${EXAMPLE}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error(`--clients ${path}: expected a non-empty array such as ${EXAMPLE}`);
  return parsed.map((entry: unknown, index) => client(entry, `--clients ${path}: entry ${index + 1}`));
}

function client(entry: unknown, where: string): EmulatorClient {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`${where} is not an object`);
  const { clientId, clientSecret, redirectUris, postLogoutRedirectUris = [] } = entry as Record<string, unknown>;
  if (typeof clientId !== 'string' || clientId.trim() === '') throw new Error(`${where}: clientId must be a non-empty string`);
  if (typeof clientSecret !== 'string' || clientSecret === '') throw new Error(`${where} (${clientId}): clientSecret must be a non-empty string`);
  return {
    clientId,
    clientSecret,
    redirectUris: uris(redirectUris, `${where} (${clientId}): redirectUris`, true),
    postLogoutRedirectUris: uris(postLogoutRedirectUris, `${where} (${clientId}): postLogoutRedirectUris`, false),
  };
}

function uris(value: unknown, what: string, required: boolean): string[] {
  if (!Array.isArray(value) || (required && value.length === 0)) {
    throw new Error(`${what} must be ${required ? 'a non-empty' : 'an'} array of absolute URLs`);
  }
  return value.map((uri: unknown) => {
    if (typeof uri !== 'string' || !URL.canParse(uri)) throw new Error(`${what}: ${JSON.stringify(uri)} is not an absolute URL`);
    return uri;
  });
}
