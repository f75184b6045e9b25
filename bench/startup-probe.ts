/**
 * Preloaded by bench/startup.ts into a real `caged run` (`node -r startup-probe.js main.js run …`):
 * timestamps the command's start-up phases without changing its code path. It wraps, as their
 * modules load, the functions that mark each phase, and times every top-level `require`, so that
 * each phase's figure excludes the modules it loaded (counted once, under "modules"). At exit it
 * writes one JSON line on fd 3 (ms since the process's time origin; `probeAt` as epoch ms, to
 * compare with the parent's spawn time).
 */
import fs from 'node:fs';
import Module from 'node:module';

const probeAt = performance.now();
let requireDepth = 0;
let requireMs = 0;
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

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const mod = Module as unknown as { _load: Load; _resolveFilename: (r: string, p: unknown) => string };
const load = mod._load;
mod._load = function (request: string, parent: unknown, isMain: boolean): unknown {
  const t0 = performance.now();
  // main.js itself is the command, not a module it loads: what it requires counts.
  if (!isMain) requireDepth++;
  try {
    const exports = load.call(this, request, parent, isMain);
    if (!request.startsWith('node:') && !Module.isBuiltin(request)) {
      const file = mod._resolveFilename(request, parent);
      for (const [suffix, patches] of Object.entries(PATCHES)) {
        if (file.endsWith(suffix)) {
          delete PATCHES[suffix];
          for (const p of patches) p(exports as Record<string, unknown>);
        }
      }
    }
    return exports;
  } finally {
    if (!isMain && --requireDepth === 0) requireMs += performance.now() - t0;
  }
};

process.on('exit', () => {
  const out = {
    probeAt: performance.timeOrigin + probeAt,
    probeMs: probeAt,
    exitMs: performance.now(),
    modulesMs: requireMs,
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
