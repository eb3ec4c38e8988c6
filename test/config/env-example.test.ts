// .env.example shows both providers side by side: uncommenting the shared lines and one provider's
// block must give a configuration that starts, for the provider the block is for; both blocks at
// once must not.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

type Block = 'shared' | 'b2c' | 'external-id' | 'ours';

/** The example's `#NAME=value` lines, by block (a `# --- ` line starts the next one). */
function exampleBlocks(): Record<Block, Record<string, string>> {
  const blocks: Record<Block, Record<string, string>> = { shared: {}, b2c: {}, 'external-id': {}, ours: {} };
  let block: Block = 'shared';
  for (const line of readFileSync(new URL('../../.env.example', import.meta.url), 'utf8').split('\n')) {
    if (line.startsWith('# --- ')) {
      block = /Azure AD B2C/.test(line) ? 'b2c' : /External ID/.test(line) ? 'external-id' : 'ours';
      continue;
    }
    const setting = /^#([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (setting) blocks[block][setting[1]!] = setting[2]!;
  }
  return blocks;
}

describe('.env.example', () => {
  const blocks = exampleBlocks();

  it.each(['b2c', 'external-id'] as const)('the shared lines and the %s block start the app against that provider', (provider) => {
    const config = loadConfig({ ...blocks.shared, ...blocks[provider], APP_CLIENT_ID: 'client', APP_CLIENT_SECRET: 'secret' });
    expect(config.provider).toBe(provider);
    expect(config.emulator).toBeNull();
    const host = new URL(config.flows.signUpSignIn.authority).hostname;
    expect(host).toBe(provider === 'b2c' ? 'contoso.b2clogin.com' : 'contoso.ciamlogin.com');
    expect(config.capabilities.editProfile).toBe(provider === 'b2c');
  });

  it('the two provider blocks together are refused, naming a B2C variable', () => {
    const both = { ...blocks.shared, ...blocks.b2c, ...blocks['external-id'], APP_CLIENT_ID: 'client', APP_CLIENT_SECRET: 'secret' };
    expect(() => loadConfig(both)).toThrow(/POLICY_AUTHORITY|AUTHORITY_DOMAIN/);
  });

  it('every variable it names is one the app or its emulator reads', () => {
    const named = Object.values(blocks).flatMap((block) => Object.keys(block));
    const sources = ['src/config.ts', 'src/config-values.ts', 'src/config-provider.ts', 'src/main.ts', 'src/session/redis.ts']
      .map((path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'))
      .join('\n');
    expect(named.filter((name) => !sources.includes(`'${name}'`) && name !== 'NODE_ENV')).toEqual([]);
  });
});
