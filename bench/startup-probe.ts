/**
 * Preloaded by bench/startup.ts into a real `caged run` (`node -r startup-probe.js main.js run …`):
 * timestamps the command's start-up phases without changing its code path. It wraps, as their
 * modules load, the functions that mark each phase, and times every top-level module load, so
 * that each phase's figure excludes the modules it loaded (counted once, under "modules"). At
 * exit it writes one JSON line on fd 3 (ms since the process's time origin; `probeAt` as epoch ms,
 * to compare with the parent's spawn time; `bundle`: the bundle main.js loaded, or null).
 *
 * Two ways modules load, both seen: compiled files through node's `require` (Module._load), and
 * the modules inside a bundle of scripts/bundle-cli.js, each of which calls
 * `globalThis.__cagedProbe.enter(file)` as it starts and `.leave(file, module.exports)` as it ends
 * (file: its path in the checkout, dist/src/…). Loading the bundle file itself (reading and
 * compiling it, which main.js reports the same way, with whether V8's code cache served) counts
 * under "modules" too.
 */
import fs from 'node:fs';
import Module from 'node:module';

const probeAt = performance.now();
/** The start of each module load under way (nested loads count within the outermost). */
const loading: number[] = [];
let requireMs = 0;
let bundle: string | null = null;
/** How main.js compiled the bundle: 'used' (V8's code cache), 'rejected', 'none'. */
let codeCache: string | null = null;
const loadStarts = (): void => {
  loading.push(performance.now());
};
const loadEnds = (): void => {
  const t0 = loading.pop()!;
  if (loading.length === 0) requireMs += performance.now() - t0;
};
const phases: Record<string, number> = {};
const marks: Record<string, number> = {};
/** The process's CPU time (every thread, user + system) at each first start, ms. */
const cpuAt: Record<string, number> = {};
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Adds `fn`'s time minus the modules it loaded to `phases[name]`; marks its first start and end. */
function timed<A extends unknown[], R>(name: string, fn: (this: unknown, ...a: A) => R): (this: unknown, ...a: A) => R {
  return function (this: unknown, ...a: A): R {
    const t0 = performance.now();
    const m0 = requireMs;
    if (marks[`${name}:start`] === undefined) {
      marks[`${name}:start`] = t0;
      cpuAt[`${name}:start`] = cpuMs();
    }
    const done = (): void => {
      const t1 = performance.now();
      phases[name] = (phases[name] ?? 0) + (t1 - t0) - (requireMs - m0);
      marks[`${name}:end`] ??= t1;
    };
    const r = fn.apply(this, a);
    if (r instanceof Promise) return r.finally(done) as R;
    done();
    return r;
  };
}

type Patch = (exports: Record<string, unknown>) => void;
const wrapStatic =
  (cls: string, method: string, name: string): Patch =>
  (e) => {
    const c = e[cls] as Record<string, (...a: unknown[]) => unknown>;
    c[method] = timed(name, c[method]!);
  };
const wrapMethod =
  (cls: string, method: string, name: string): Patch =>
  (e) => {
    const proto = (e[cls] as { prototype: Record<string, (...a: unknown[]) => unknown> }).prototype;
    proto[method] = timed(name, proto[method]!);
  };
const PATCHES: Record<string, Patch[]> = {
  '/src/config.js': [
    (e) => {
      e.loadConfig = timed('config', e.loadConfig as (...a: unknown[]) => unknown);
    },
  ],
  '/src/rootfs/store.js': [wrapMethod('ImageStore', 'registerImage', 'image store')],
  '/src/sandbox/sandbox.js': [wrapStatic('Sandbox', 'create', 'sandbox'), wrapMethod('Sandbox', 'run', 'run')],
  '/src/judge/judge.js': [wrapStatic('Judge', 'create', 'judge create'), wrapMethod('Judge', 'judge', 'judge')],
};

/** Applies the patches of the module `file` (a path ending …/src/X.js) the first time it loads. */
function patch(file: string, exports: unknown): void {
  for (const [suffix, patches] of Object.entries(PATCHES)) {
    if (file.endsWith(suffix)) {
      delete PATCHES[suffix];
      for (const p of patches) p(exports as Record<string, unknown>);
    }
  }
}

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const mod = Module as unknown as { _load: Load; _resolveFilename: (r: string, p: unknown) => string };
const load = mod._load;
mod._load = function (request: string, parent: unknown, isMain: boolean): unknown {
  // main.js itself is the command, not a module it loads: what it requires counts.
  if (!isMain) loadStarts();
  try {
    const exports = load.call(this, request, parent, isMain);
    if (!request.startsWith('node:') && !Module.isBuiltin(request)) {
      const file = mod._resolveFilename(request, parent);
      patch(file, exports);
    }
    return exports;
  } finally {
    if (!isMain) loadEnds();
  }
};

/** The hooks of the bundle's modules (scripts/bundle-cli.js). */
(globalThis as { __cagedProbe?: unknown }).__cagedProbe = {
  enter: (_file: string): void => loadStarts(),
  leave: (file: string, exports: unknown, detail?: { codeCache?: string }): void => {
    loadEnds();
    if (file.startsWith('dist/cli-bundle/')) {
      bundle ??= file;
      codeCache ??= detail?.codeCache ?? null;
    }
    patch(`/${file}`, exports);
  },
};

process.on('exit', () => {
  const out = {
    probeAt: performance.timeOrigin + probeAt,
    probeMs: probeAt,
    exitMs: performance.now(),
    modulesMs: requireMs,
    bundle,
    codeCache,
    phases,
    marks,
    cpuAt,
  };
  try {
    fs.writeSync(3, `${JSON.stringify(out)}\n`);
  } catch {
    /* not run by bench/startup.ts */
  }
});
