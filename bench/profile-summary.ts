// Where a profile's CPU time went: self time by function and by package, time by package anywhere on
// the stack, and the inclusive time of a few functions named up front (the costs issue #18 asks
// about). Reads either profile the benchmark takes (bench/peers/profile.ts):
//   - `perf script` output (BENCH_PROFILE_TOOL=perf): samples of CPU time, every thread, native
//     frames (OpenSSL, V8's GC, the kernel's system calls) included. Preferred on a busy machine.
//   - a .cpuprofile (V8's sampler, `--cpu-prof` or the inspector): the main thread's JavaScript,
//     sampled in wall time, so a thread that waits for a core is charged for the wait.
//   node --import tsx bench/profile-summary.ts <file> [--per <count> <unit>] [--top <n>]
// `--per 250 journey` also gives each figure per journey (the profile's window held 250).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Frame {
  name: string;
  /** A JavaScript frame's script; '' for native code. */
  url: string;
  /** A native frame's kind, when it is one the summary names. */
  native?: 'kernel' | 'OpenSSL' | 'GC' | 'other';
}
/** One sample: its weight (µs), whether the main thread took it, its frames leaf first. */
interface Sample {
  micros: number;
  main: boolean;
  frames: Frame[];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** What the issue's questions name, by the functions that do them. */
export const FOCUS: Record<string, (name: string, url: string) => boolean> = {
  'MSAL: a ConfidentialClientApplication built': (n, u) => n === 'ConfidentialClientApplication' && u.includes('msal-node'),
  'MSAL: acquireTokenByCode (all of a redemption in MSAL)': (n, u) => n === 'acquireTokenByCode' && u.includes('msal-node'),
  'MSAL: its token cache serialised / deserialised': (n, u) => /^(serialize|deserialize)$/.test(n) && u.includes('msal-node'),
  'jose: jwtVerify (our ID-token checks)': (n, u) => n === 'jwtVerify' && u.includes('jose'),
  'our identity.redeem': (n, u) => n === 'redeem' && u.includes('/src/identity/'),
  'our identity.authorize': (n, u) => n === 'authorize' && u.includes('/src/identity/'),
  'sealing the pending cookie (Sealer.seal)': (n, u) => n === 'seal' && u.includes('/src/session/sealer'),
  'opening the pending cookie (Sealer.open)': (n, u) => n === 'open' && u.includes('/src/session/sealer'),
  'session cookie signature (CookieKeys sign / index)': (n, u) => /^(sign|index|verify)$/.test(n) && u.includes('/src/http/cookie-keys'),
  'koa-session (its middleware, load and commit)': (_, u) => u.includes('/koa-session/'),
  'the statechart step (xstate)': (_, u) => u.includes('/xstate/'),
  'pages (nunjucks, koa-views)': (_, u) => u.includes('/nunjucks/') || u.includes('/koa-views/'),
  'the request log (pino)': (_, u) => u.includes('/pino'),
  'fetch (undici), the calls to the provider': (_, u) => u.includes('node:internal/deps/undici') || u.includes('/undici/'),
  'tsx / esbuild loader': (_, u) => u.includes('/tsx/') || u.includes('/esbuild/'),
};

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A JavaScript frame's package: an npm package, a part of Node, or a folder of this project. */
export function packageOf(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first!.startsWith('@') ? `${first}/${second}` : first!;
  }
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    return `node:${parts[0] === 'internal' ? (parts[1] === 'deps' ? parts[2] : parts[1])!.replace(/\.js$/, '') : parts[0]}`;
  }
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const local = path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
  const [top, sub] = local.split('/');
  return top === 'src' && sub && !sub.includes('.') ? `app src/${sub}` : `app ${top}`;
}

const NATIVE_LABEL = { kernel: 'kernel (system calls: sockets, timers)', OpenSSL: 'OpenSSL (TLS, hashes, ciphers, RSA)', GC: '(garbage collector)' } as const;

function fromCpuProfile(profile: CpuProfile): Sample[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const mean = profile.timeDeltas.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, profile.samples.length - 1);
  return profile.samples.map((id, i) => {
    const frames: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url } = nodes.get(at)!.callFrame;
      frames.push({ name: functionName, url, ...(functionName === '(garbage collector)' ? { native: 'GC' as const } : {}) });
    }
    // A sample's weight: the time until the next one.
    return { micros: profile.timeDeltas[i + 1] ?? mean, main: true, frames };
  });
}

const OPENSSL = /^(EVP_|ossl_|OPENSSL|CRYPTO_|SHA\d|sha\d|aes|AES|gcm|bn_|BN_|RSA|rsa|ec_|EC_|x25519|ssl|SSL|tls|HMAC|ChaCha|poly1305|x86_64_AES|_x86_64|asn1|ASN1|X509|PEM_)/;
const GC = /(Heap|Scavenge|MarkCompact|Sweep|Marking|Evacuat|GCTracer|MinorMC|ConcurrentMark|IncrementalMark)/;

/** `perf script -F comm,pid,tid,period,ip,sym,dso` of a process started with --perf-basic-prof. */
function fromPerfScript(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const [header, ...lines] = block.trim().split('\n');
    const head = /(\d+)\/(\d+)\s+(\d+)/.exec(header ?? '');
    if (!head) continue;
    const frames: Frame[] = lines.map((line) => {
      const m = /^\s*[0-9a-f]+\s+(.*?)(?:\+0x[0-9a-f]+)?\s+\((.*)\)$/.exec(line);
      const [symbol = '', dso = ''] = m ? [m[1], m[2]] : [];
      const js = /^(?:JS|LazyCompile|Function|Script):[*~^+]?(.*) (\S+?)(?::\d+:\d+)?$/.exec(symbol);
      if (js) return { name: js[1]!, url: js[2]! };
      const native = dso.includes('kernel') ? 'kernel' : OPENSSL.test(symbol) || dso.includes('libcrypto') || dso.includes('libssl') ? 'OpenSSL' : GC.test(symbol) ? 'GC' : 'other';
      return { name: symbol, url: '', native };
    });
    samples.push({ micros: Number(head[3]) / 1000, main: head[1] === head[2], frames });
  }
  return samples;
}

export function summarise(samples: Sample[], options: { top?: number; per?: { count: number; unit: string } } = {}): string {
  const self = new Map<string, number>();
  const selfByPackage = new Map<string, number>();
  const inclusiveByPackage = new Map<string, number>();
  const focus = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);
  let busy = 0;
  for (const { micros, main, frames } of samples) {
    const leaf = frames[0];
    if (!leaf || leaf.name === '(idle)') continue;
    busy += micros;
    // A native leaf is charged to the nearest JavaScript caller, unless it is one the summary names.
    const caller = frames.find((frame) => frame.url);
    const named = leaf.native && leaf.native !== 'other' ? NATIVE_LABEL[leaf.native] : undefined;
    // V8's builtins and runtime (property loads, calls, JSON) are the work of the function that called them.
    const shown = !named && main && caller && /^(Builtins_|v8::|Builtin_)/.test(leaf.name) ? caller : leaf;
    const where = (frame: Frame) => (frame.url ? `${packageOf(frame.url)} ${frame.url.split('/').pop()}` : frame.native === 'kernel' ? 'kernel' : '');
    add(self, `${shown.name || '(anonymous)'}  ${where(shown)}`, micros);
    const owner = named ?? (caller ? packageOf(caller.url) : leaf.name.startsWith('(') ? leaf.name : '(native, no JavaScript caller)');
    add(selfByPackage, main ? owner : `other threads (GC helpers, thread pool): ${named ?? 'other'}`, micros);
    const packages = new Set<string>();
    const focused = new Set<string>();
    for (const frame of frames) {
      if (frame.url) packages.add(packageOf(frame.url));
      else if (frame.native && frame.native !== 'other') packages.add(NATIVE_LABEL[frame.native]);
      for (const [label, matches] of Object.entries(FOCUS)) if (frame.url && matches(frame.name, frame.url)) focused.add(label);
    }
    for (const p of packages) add(inclusiveByPackage, p, micros);
    for (const label of focused) add(focus, label, micros);
  }
  const per = options.per;
  const figure = (micros: number) =>
    `${(micros / 1000).toFixed(1).padStart(8)} ms ${((100 * micros) / busy).toFixed(1).padStart(5)}%${per ? `  ${(micros / 1000 / per.count).toFixed(3).padStart(7)} ms/${per.unit}` : ''}`;
  const table = (title: string, map: Map<string, number>, top: number) => [
    title,
    ...[...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, micros]) => `${figure(micros)}  ${key}`),
    '',
  ];
  return [
    `profile: ${(busy / 1000).toFixed(0)} ms of CPU sampled (idle left out; percentages are of that)${per ? `, ${per.count} ${per.unit}s` : ''}`,
    '',
    ...table('self time by function', self, options.top ?? 30),
    ...table('self time by package (a native frame charged to its JavaScript caller unless named)', selfByPackage, 30),
    ...table('time with the package anywhere on the stack', inclusiveByPackage, 30),
    ...table('named costs (inclusive)', focus, Object.keys(FOCUS).length),
  ].join('\n');
}

/** A .cpuprofile (JSON) or `perf script` output, as samples. */
export function readProfile(file: string): Sample[] {
  const text = readFileSync(file, 'utf8');
  return text.trimStart().startsWith('{') ? fromCpuProfile(JSON.parse(text) as CpuProfile) : fromPerfScript(text);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) throw new Error('usage: bench/profile-summary.ts <file> [--per <count> <unit>] [--top <n>]');
  const at = rest.indexOf('--per');
  const per = at >= 0 ? { count: Number(rest[at + 1]), unit: rest[at + 2] ?? 'request' } : undefined;
  const top = rest.includes('--top') ? Number(rest[rest.indexOf('--top') + 1]) : undefined;
  console.log(summarise(readProfile(file), { top, per }));
}
