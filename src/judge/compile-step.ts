/**
 * The compile step of a job (and of a custom checker): the sources written into a fresh box,
 * then either the compile cache's artefact copied in or lent as a read-only layer under the
 * box (a hit: no compiler runs, times are 0; see CompileRequest.hitAsLayer) or
 * the language's compile command run in a container with the compile limits and /box writable,
 * after which a successful artefact is stored in the cache. A compile whose key another job of
 * this process is compiling waits for it and takes its artefact (one compile per key at a time).
 *
 * Compile verdicts: OK (exit 0); CE (the compiler failed, also by a signal such as an internal
 * compiler error); TLE/MLE/OLE when a compile limit ended it (a template bomb, `#include
 * "/dev/zero"`, gigabytes of diagnostics); SE for a forbidden system call. Any verdict but OK
 * makes the job's verdict CE; the compile step's own verdict says which limit it was. A compile
 * that leaves a tree in /box beyond the host walk's bounds (safe-fs.ts normalizeTreeModes: 64
 * levels, 10 000 entries, paths of 1 024 bytes) is a CE too, with a note saying so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ImageError } from '../errors';
import { ChildError } from '../sandbox/child-error';
import type { JobDirs } from '../rootfs/job-dirs';
import type { RootfsSpec, RunLimits, RunResult } from '../sandbox/types';
import { compileCacheKey, type CompileCache } from './compile-cache';
import { expandArgv, expandEnv } from './language-command';
import type { JobRuns } from './job-runs';
import type { Language } from './languages';
import { compilerText } from './result';
import { classifyRun } from './run-verdict';
import { NORMALIZE_LIMITS, normalizeTreeModes, writeNewFile } from './safe-fs';
import { sourceDirs } from './source-path';
import type { CompileResult, CompileVerdict } from './schema';

/** What every step of one job shares. */
export interface JobContext {
  /** The sandbox's runs, each carrying the judgement's signal: every run of the job ends when it aborts. */
  runs: JobRuns;
  /** Where the job's helpers (checker, validators, interactor) get their own directories. */
  jobDirs: JobDirs;
  /** The root of a language's runs: its chain of image layers (made once per job). */
  rootfsFor: (language: Language) => Promise<RootfsSpec>;
  /** The digest of a language's chain (the compile cache key's image part). */
  imageDigestFor: (language: Language) => string;
  cache: CompileCache | null;
  /** Label prefix for the sandbox's logs ("job 42"). */
  label: string;
}

export interface SourceFile {
  name: string;
  content: Buffer;
  /** Written with mode 0755 (a build/run program's scripts); default 0644. */
  executable?: boolean;
}

export interface CompileRequest {
  language: Language;
  /** Host path of the job's box, holding the sources (see writeSources). */
  box: string;
  files: readonly SourceFile[];
  compilerOptions: readonly string[];
  limits: RunLimits;
  /** Cap on the compiler output in the result, in bytes. */
  reportBytes: number;
  /**
   * On a cache hit, lend the entry as a read-only layer (CompileOutcome.layer) instead of copying
   * it into the box. Only for a box that is then used solely as an overlay /box of runs given
   * that layer (test-step.ts), and only where the sandbox has overlayfs: otherwise the copy.
   */
  hitAsLayer?: boolean;
  /**
   * Remember a failure that would fail again (see FAILURES), so that the same sources under the
   * same limits are not compiled again in this process. For the problem's own programs: a
   * package whose validator does not compile fails every submission at once, not after a
   * minute's compile each.
   */
  rememberFailure?: boolean;
}

export interface CompileOutcome {
  result: CompileResult;
  /** True when the compiler really ran (a cache miss). */
  ran: boolean;
  /** The step's duration including the cache lookup and store, in ms. */
  stepMs: number;
  /** Time spent turning the compiler's output into the result, in ms (0 on a cache hit). */
  outputMs: number;
  /** Bytes of compiler output (stdout + stderr) looked at. */
  outputBytes: number;
  /**
   * A hit lent as a layer (hitAsLayer): the cache entry's files, to go under the box of every
   * run (BoxSpec.lowerDirs); the box holds only the sources. `release` when no run uses it any more.
   */
  layer?: { dir: string; release: () => void };
}

/**
 * Writes the sources into the (fresh, empty) box with O_EXCL: nothing is written through a link.
 * A file's directories (`unsigned/` of `unsigned/UnsignedLong.java`, schema.ts isSourcePath) are
 * made first, mode 0755; the box holds nothing else yet, so no part of a path can be a link.
 */
export function writeSources(box: string, files: readonly SourceFile[]): void {
  for (const rel of sourceDirs(files)) {
    const dir = path.join(box, rel);
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (st?.isDirectory()) continue;
    if (st) throw new Error(`${dir} is not a directory`); // the schema refuses such names (pathClashes)
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755); // the umask must not change what the box sees
  }
  for (const f of files) writeNewFile(box, f.name, f.content, f.executable ? 0o755 : 0o644);
}

/** The compile of a submission the plan found cannot compile (JobPlan.compileError): CE, the compiler not run. */
export function refusedCompile(why: string): CompileResult {
  return { verdict: 'CE', exitCode: null, output: why, outputTruncated: false, cpuTimeMs: 0, wallTimeMs: 0, memoryBytes: 0, cached: false };
}

/** Per cache, the compiles running in this process by key: settled when their artefact is stored (or was not). */
const inFlight = new WeakMap<CompileCache, Map<string, Promise<void>>>();

/**
 * Per cache, the failed compiles of rememberFailure requests, by key and limits, the oldest
 * dropped beyond FAILURES_KEPT: those whose cause does not change with the host's load (the
 * compiler's own error, its CPU time, memory or output limit), never a sandbox error or a wall
 * time limit alone.
 */
const failures = new WeakMap<CompileCache, Map<string, CompileResult>>();
const FAILURES_KEPT = 64;

function failureKey(key: string, limits: RunLimits): string {
  return `${key}\n${JSON.stringify(limits)}`;
}

function repeatable(result: CompileResult, limits: RunLimits): boolean {
  if (result.verdict === 'CE' || result.verdict === 'MLE' || result.verdict === 'OLE') return true;
  return result.verdict === 'TLE' && result.cpuTimeMs >= limits.cpuTimeMs;
}

export async function compileInBox(ctx: JobContext, req: CompileRequest): Promise<CompileOutcome> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  if (!req.language.compile) throw new TypeError(`language ${req.language.id} does not compile`);
  const step = { memoryBytes: req.limits.memoryBytes, files: req.files };
  const command = expandArgv(req.language, req.language.compile, step);
  const env = expandEnv(req.language, step);
  const key = compileCacheKey({
    imageDigest: ctx.imageDigestFor(req.language),
    languageId: req.language.id,
    compileCommand: command,
    compilerOptions: req.compilerOptions,
    files: req.files,
  });
  // A layer only where a run can mount it: without overlayfs an overlay /box is a per-run copy
  // of the box alone (Sandbox.withRunnableBox), so there the entry is copied in as before.
  const asLayer = req.hitAsLayer === true && ctx.runs.hasOverlay;
  const pinned = asLayer ? (ctx.cache?.pin(key) ?? null) : null;
  const hit = pinned ?? (asLayer ? null : (ctx.cache?.restore(key, req.box) ?? null));
  if (hit) {
    return {
      result: {
        verdict: 'OK',
        exitCode: 0,
        output: hit.outputText,
        outputTruncated: hit.outputTruncated,
        cpuTimeMs: 0,
        wallTimeMs: 0,
        memoryBytes: 0,
        cached: true,
      },
      ran: false,
      stepMs: elapsed(),
      outputMs: 0,
      outputBytes: 0,
      ...(pinned ? { layer: { dir: pinned.filesDir, release: pinned.release } } : {}),
    };
  }
  const cache = ctx.cache;
  if (!cache) return compileNow(ctx, req, command, env, key, elapsed);
  const failed = req.rememberFailure ? failures.get(cache)?.get(failureKey(key, req.limits)) : undefined;
  if (failed) return { result: { ...failed, cached: true }, ran: false, stepMs: elapsed(), outputMs: 0, outputBytes: 0 };
  // One compile per key at a time in this process: a second job with the same sources (a
  // package's validator, the first jobs of a batch) waits for the first, then takes its
  // artefact from the cache, or compiles itself when there is none (a compile error is not kept).
  let flights = inFlight.get(cache);
  if (!flights) inFlight.set(cache, (flights = new Map<string, Promise<void>>()));
  const running = flights.get(key);
  if (running) {
    await running;
    return compileInBox(ctx, req);
  }
  const mine = compileNow(ctx, req, command, env, key, elapsed);
  const settled = mine.then(
    (outcome) => {
      if (req.rememberFailure && repeatable(outcome.result, req.limits)) {
        let kept = failures.get(cache);
        if (!kept) failures.set(cache, (kept = new Map<string, CompileResult>()));
        kept.set(failureKey(key, req.limits), outcome.result);
        for (const oldest of kept.keys()) if (kept.size > FAILURES_KEPT) kept.delete(oldest);
      }
    },
    () => undefined,
  );
  flights.set(key, settled);
  void settled.then(() => flights.delete(key));
  return mine;
}

/**
 * Why a compile that exited 0 left something other than a program where its language runs one,
 * or null: a language whose run command starts `./NAME` (C, Go, Pascal, …) runs the file its
 * compile makes, and a regular file there without an execute bit (`go build -o main` of a
 * package other than main writes an archive) is the submission's compile error, not a run's.
 * No file at all stays the run's "could not be started" (RE, Judge0 14: compiler options such as
 * -fsyntax-only that make no program, docs/judging.md); a link is left to the run (it resolves
 * in the box, not here).
 */
export function missingProgram(language: Language, box: string): string | null {
  const program = language.run[0];
  if (program === undefined || !program.startsWith('./') || program.includes('{')) return null;
  const st = fs.lstatSync(path.join(box, program), { throwIfNoEntry: false });
  if (st?.isFile() && (st.mode & 0o111) === 0) {
    return `the compile exited 0 but made ${program} that is not a program (a library or package that is not main?)`;
  }
  return null;
}

/** Compiles `req` in the sandbox (no artefact in the cache); a successful artefact is stored under `key`. */
async function compileNow(
  ctx: JobContext,
  req: CompileRequest,
  command: string[],
  env: Record<string, string>,
  key: string,
  elapsed: () => number,
): Promise<CompileOutcome> {
  let run: RunResult;
  const dirs = sourceDirs(req.files);
  try {
    const rootfs = await ctx.rootfsFor(req.language);
    run = await ctx.runs.run({
      rootfs,
      // The sources' directories are the compiler's to write in, as /box is (javac -d . of a package).
      box: { hostDir: req.box, mode: 'rw', ...(dirs.length ? { ownedDirs: dirs } : {}) },
      argv: [...command, ...req.compilerOptions],
      env,
      stdin: Buffer.alloc(0),
      limits: req.limits,
      label: `${ctx.label} compile`,
    });
  } catch (err) {
    // The compiler is the image's: not finding it is the image's fault, worth a retry elsewhere.
    if (err instanceof ChildError && err.stageName === 'exec') {
      throw new ImageError(`the image cannot run the compiler ${command[0]} of language ${req.language.id}: ${err.errnoName}`, {
        cause: err,
      });
    }
    throw err;
  }
  const outputStarted = process.hrtime.bigint();
  const classified = classifyRun(run, req.limits);
  let verdict: CompileVerdict;
  switch (classified.verdict) {
    case 'OK':
      verdict = 'OK';
      break;
    case 'RE':
      verdict = 'CE';
      break;
    case 'TLE':
    case 'MLE':
    case 'OLE':
    case 'SE':
      verdict = classified.verdict;
      break;
  }
  const out = compilerText(run.stdout, run.stderr, req.reportBytes);
  const truncated = out.truncated || run.stdoutTruncated || run.stderrTruncated;
  const outputMs = Number(process.hrtime.bigint() - outputStarted) / 1e6;
  let limitNote = verdict !== 'OK' && verdict !== 'CE' ? `\n[caged: the compiler was stopped: ${classified.message}]` : '';
  if (verdict === 'OK') {
    // The box's tree is the compile's: beyond the walk's bounds it is the submission's error,
    // and nothing later (the cache, a run's copy of the box) has to walk it.
    const walk = normalizeTreeModes(req.box);
    if (walk.stopped) {
      verdict = 'CE';
      const bound = {
        depth: `${NORMALIZE_LIMITS.maxDepth} levels deep`,
        entries: `${NORMALIZE_LIMITS.maxEntries} entries`,
        path: `paths of ${NORMALIZE_LIMITS.maxPathBytes} bytes`,
      }[walk.stopped.reason];
      limitNote = `\n[caged: the compile left a tree in /box beyond ${bound}; the judge does not use such a tree]`;
    } else if (walk.skipped) {
      // Every process of the box is gone: an entry the walk could not read is one no copy,
      // cache or removal should have to meet again (a name that is not UTF-8, which a Perl
      // BEGIN block can write).
      verdict = 'CE';
      limitNote = `\n[caged: the compile left ${walk.skipped} entries in /box the judge cannot read (a name that is not UTF-8, say); the judge does not use such a tree]`;
    } else {
      const missing = missingProgram(req.language, req.box);
      if (missing) {
        verdict = 'CE';
        limitNote = `\n[caged: ${missing}]`;
      }
    }
  }
  const result: CompileResult = {
    verdict,
    exitCode: run.exitCode,
    output: out.text + limitNote,
    outputTruncated: truncated,
    cpuTimeMs: run.cpuTimeMs,
    wallTimeMs: run.wallTimeMs,
    memoryBytes: run.memoryBytes,
    cached: false,
  };
  if (verdict === 'OK' && ctx.cache) {
    ctx.cache.store(key, req.box, new Set(req.files.map((f) => f.name)), { outputText: out.text, outputTruncated: truncated });
  }
  return { result, ran: true, stepMs: elapsed(), outputMs, outputBytes: run.stdout.length + run.stderr.length };
}
