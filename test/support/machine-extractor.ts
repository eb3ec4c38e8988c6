// @xstate/machine-extractor (the parser behind Stately's VS Code extension and editor import),
// loaded for tests. Its CJS build requires `xstate/lib/types` and `xstate/lib/actions`: xstate v4
// paths, which our xstate v5's exports map refuses. Only those two requests are sent to the v4 copy
// installed as `xstate4`, and only while the extractor's modules load (they require at top level).
import Module, { createRequire } from 'node:module';

type Resolve = (request: string, ...rest: unknown[]) => string;
const require = createRequire(import.meta.url);
const V4_PATHS: Record<string, string> = {
  'xstate/lib/types': 'xstate4/lib/types',
  'xstate/lib/actions': 'xstate4/lib/actions',
};

function load(): typeof import('@xstate/machine-extractor') {
  const modules = Module as unknown as { _resolveFilename: Resolve };
  const original = modules._resolveFilename;
  modules._resolveFilename = function (this: unknown, request, ...rest) {
    return original.call(this, V4_PATHS[request] ?? request, ...rest);
  };
  try {
    return require('@xstate/machine-extractor');
  } finally {
    modules._resolveFilename = original;
  }
}

export const { extractMachinesFromFile } = load();
