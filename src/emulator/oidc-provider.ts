// Loads oidc-provider without its "Unsupported runtime" notice: it works on Node 20 and the notice
// only alarms whoever runs the app. Every other warning still goes through.
import type ProviderClass from 'oidc-provider';

const RUNTIME_NOTICE = /oidc-provider WARNING: Unsupported runtime/;

const original = console.warn;
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && RUNTIME_NOTICE.test(args[0])) return;
  original(...args);
};
let loaded: typeof import('oidc-provider');
try {
  loaded = await import('oidc-provider');
} finally {
  console.warn = original;
}

export const Provider: typeof ProviderClass = loaded.default;
export const { errors, interactionPolicy } = loaded;
