#!/usr/bin/env node
/**
 * The `caged` command (package.json "bin"): a loader that starts the command line (cli.ts) from
 * the command's bundle when that bundle is current, else from the compiled files.
 *
 * Why bundles: `caged run` loads ~190 modules (zod alone ~100 ms), most of the time before its
 * first container (bench/startup.ts). `npm run build` runs tsc, then scripts/bundle-cli.js, which
 * writes dist/cli-bundle/COMMAND.js for each command: cli.js with that command's module graph
 * in one file (koffi stays external; the other commands are left out). One file per command, not
 * one for all: the queue's BullMQ and the API's fastify would make every command parse ~7 MB.
 *
 * Stale bundles: tsc rewrites every output file, cli.js included, on each run; the bundle script
 * runs after it. A bundle older than cli.js was built from an earlier compile (someone ran only
 * `npx tsc`): it is not used, the compiled files run instead (the current code, only slower),
 * until the next `npm run build`. The same when npm installed packages since the bundle was built
 * (node_modules/.package-lock.json is newer): the bundle holds copies of them. CAGED_BUNDLE=0 runs the compiled files always (debugging:
 * the bundles are whitespace-minified, their stack traces point into one long line).
 *
 * V8 code cache: compiling a bundle (~1.2 MB for `run`) takes ~70 ms, ~10 ms from V8's code
 * cache. The loader compiles the bundle with vm.Script and keeps the cache in COMMAND.js.cache
 * beside the bundle: written at exit by the first run without a usable cache (so it holds every
 * function that run compiled, not only the top level), through a temporary file renamed into
 * place (concurrent writers each write a whole file). The cache is as trusted as the bundle, so
 * it lives only beside it: whoever can write there can change the bundle too; where the process
 * cannot write (a read-only install), there is no cache and the bundle is compiled each time.
 * V8 checks its version and flags but only the source's length, so the cache file starts with
 * the bundle's identity (inode, size, mtime): a rebuilt bundle never meets the old cache (the
 * build removes the caches too).
 */
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type * as CliModule from './cli';

type Cli = typeof CliModule;

/** The hooks of bench/startup-probe.ts, when it is preloaded (the bundle's modules call them too). */
interface Probe {
  enter(file: string): void;
  leave(file: string, exports: unknown, detail?: Record<string, unknown>): void;
}

/** The bundle of this command line's command, when there is one no older than the compiled cli.js. */
function currentBundle(command: string | undefined): { file: string; stat: fs.Stats } | null {
  if (!command || !/^[a-z][a-z0-9-]*$/.test(command) || process.env.CAGED_BUNDLE === '0') return null;
  const file = path.join(__dirname, '..', '..', 'cli-bundle', `${command}.js`);
  const built = fs.statSync(file, { throwIfNoEntry: false });
  const compiled = fs.statSync(path.join(__dirname, 'cli.js'), { throwIfNoEntry: false });
  if (!built || !compiled || built.mtimeMs < compiled.mtimeMs) return null;
  // npm rewrites it at each install: packages changed since the bundle copied them in.
  const installed = fs.statSync(path.join(__dirname, '..', '..', '..', 'node_modules', '.package-lock.json'), { throwIfNoEntry: false });
  return installed && built.mtimeMs < installed.mtimeMs ? null : { file, stat: built };
}

/** The first line of a cache file: what it was made from. */
const cacheKey = (stat: fs.Stats): string => `caged-code-cache ${process.version} ${stat.ino} ${stat.size} ${stat.mtimeMs}\n`;

/** The code cache of this very bundle, or undefined. */
function readCache(file: string, key: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const head = Buffer.from(key, 'latin1');
  return data.subarray(0, head.length).equals(head) ? data.subarray(head.length) : undefined;
}

function writeCache(file: string, key: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    // 'wx': a new file (O_EXCL follows no link left there).
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(key, 'latin1'), data]), { mode: 0o644, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch {
    // Not writable here (a read-only install, another user's checkout): no cache, as before.
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Nothing was written.
    }
  }
}

/** Loads the bundle as node loads a CommonJS file, compiled with (or else for) its code cache. */
function loadBundle(file: string, stat: fs.Stats): { cli: Cli; cache: 'used' | 'rejected' | 'none' } {
  const cacheFile = `${file}.cache`;
  const key = cacheKey(stat);
  const cachedData = readCache(cacheFile, key);
  // scripts/bundle-cli.js makes the bundle ASCII: latin1 is the same text, decoded fastest.
  const source = fs.readFileSync(file, 'latin1');
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  if (cache !== 'used') process.once('exit', () => writeCache(cacheFile, key, script.createCachedData()));
  const m = new Module(file, module);
  m.filename = file;
  const wrapper = script.runInThisContext() as (...a: unknown[]) => void;
  wrapper.call(m.exports, m.exports, createRequire(file), m, file, path.dirname(file));
  m.loaded = true;
  return { cli: m.exports as Cli, cache };
}

const argv = process.argv.slice(2);
const bundle = currentBundle(argv[0]);
let cli: Cli;
if (bundle) {
  const probe = (globalThis as { __cagedProbe?: Probe }).__cagedProbe;
  const name = path.relative(path.join(__dirname, '..', '..', '..'), bundle.file);
  probe?.enter(name);
  const loaded = loadBundle(bundle.file, bundle.stat);
  probe?.leave(name, loaded.cli, { codeCache: loaded.cache });
  cli = loaded.cli;
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cli = require('./cli') as Cli;
}
cli.runCli(argv);
