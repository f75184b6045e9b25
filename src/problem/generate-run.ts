/**
 * What `caged problem generate` runs and writes, whatever the format (polygon-generate.ts,
 * cms-generate.ts): a package's program (a generator, a validator, the main solution) run once in
 * the sandbox with the judge's largest test limits, its output kept whole up to the output
 * maximum, and refused, naming what ran, when it does not compile, does not end normally, or
 * writes more; and the package's files written new only, never over a file, never through a link.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import type { Judge } from '../judge/judge';
import { parseSubmission } from '../judge/plan';
import { DEFAULT_MAX_PROGRAM_BYTES, DEFAULT_MAX_SOURCE_BYTES, DEFAULT_MAX_SOURCE_FILES, makeSubmissionSchema } from '../judge/schema';
import { headOf } from '../judge/text-head';
import { nothingToCheck } from '../judge/test-step';
import type { PackageProgram } from './package-validator';
import { sourceBytes } from './package-sources';
import type { ProblemConfig } from './problem-yaml';

export interface GeneratedFile {
  /** In the package. */
  path: string;
  bytes: number;
  /** What made it: `gen 5`, or the main solution's path. */
  by: string;
}

export interface GenerateOptions {
  /** Aborted: stops before the next run. */
  signal?: AbortSignal;
  /** Each file as it is written. */
  onFile?: (f: GeneratedFile) => void;
}

/** A program as the wire gives it, with the submission schema its size needs: made once per program. */
export interface Runnable {
  program: Omit<PackageProgram, 'program'>;
  schema: ReturnType<typeof makeSubmissionSchema>;
}

export function runnableOf(found: PackageProgram | Omit<PackageProgram, 'program'>): Runnable {
  const { program: _kind, ...program } = found as PackageProgram;
  const schema = makeSubmissionSchema({
    maxSourceBytes: Math.max(DEFAULT_MAX_SOURCE_BYTES, sourceBytes(program)),
    maxSourceFiles: Math.max(DEFAULT_MAX_SOURCE_FILES, program.files.length),
    maxProgramBytes: DEFAULT_MAX_PROGRAM_BYTES,
  });
  return { program, schema };
}

export interface RunExtras {
  /** Its files to read and write (the wire's fileIo): its output is then that file. */
  io?: ProblemConfig['fileIo'];
  /** Files put in its working directory (a validator's input file). */
  files?: { path: string; data: Buffer }[];
  /** What it did when it did not end normally: `failed`, `refused the input`. */
  failed?: string;
  /** Exit codes besides 0 taken as its normal end (a testlib checker's 7, points). */
  acceptExit?: readonly number[];
}

export type GenerationRun = (r: Runnable, args: string[], stdin: Buffer, what: string, extras?: RunExtras) => Promise<Buffer>;

/** Runs a program once, as the top of this file says; its output (its stdout, or the file `io.output`). */
export function generationRunner(judge: Judge, signal?: AbortSignal): GenerationRun {
  const maxima = judge.stepMaxima.test;
  const outputCap = maxima.outputBytes;
  return async ({ program, schema }, args, stdin, what, { io, files, failed = 'failed', acceptExit = [] } = {}) => {
    if (signal?.aborted) throw new InvalidRequestError(`stopped (${String(signal.reason)})`, 'generate');
    const submission = parseSubmission(
      {
        ...program,
        testcases: [
          {
            stdin: stdin.toString('base64'),
            stdinEncoding: 'base64',
            ...(args.length ? { args } : {}),
            ...(files?.length
              ? { files: files.map((f) => ({ path: f.path, content: f.data.toString('base64'), encoding: 'base64' })) }
              : {}),
          },
        ],
        limits: { cpuTimeMs: maxima.cpuTimeMs, memoryBytes: maxima.memoryBytes, outputBytes: outputCap },
        ...(io ? { fileIo: io } : {}),
      },
      schema,
    );
    const r = await judge.judgeSubmission(submission, { reportOutputBytes: outputCap, ...(signal ? { signal } : {}) });
    const t = r.tests[0];
    if (r.verdict === 'CE' || !t) throw new InvalidRequestError(`${what} did not compile: ${r.message}`, 'generate');
    if (t.verdict !== 'AC' && !(t.verdict === 'RE' && t.signal === null && acceptExit.includes(t.exitCode ?? -1))) {
      const stderr = Buffer.from(t.stderr, t.stderrEncoding === 'base64' ? 'base64' : 'utf8')
        .toString('utf8')
        .trim();
      throw new InvalidRequestError(
        `${what} ${failed} (${t.verdict}): ${t.message}${stderr ? `; its stderr: ${headOf(stderr, 500)}` : ''}`,
        'generate',
      );
    }
    if (t.stdoutTruncated) throw new InvalidRequestError(`${what} wrote more than ${outputCap} bytes`, 'generate');
    // An output file it did not write (or a link, a directory in its place) is no test: the run's message notes it.
    if (io?.output !== undefined && t.message !== nothingToCheck())
      throw new InvalidRequestError(`${what} ${failed}: ${t.message}`, 'generate');
    return Buffer.from(t.stdout, t.stdoutEncoding === 'base64' ? 'base64' : 'utf8');
  };
}

/**
 * `rel` as a path to write inside the package at `root`: relative, no `..`; each directory on the
 * way is checked (lstat) before anything is made, and made one level at a time, so that a link
 * in the package never leads a write, nor a new directory, outside it. `make` false: only
 * checked. `where` names the file that gave the path, for messages.
 */
export function writablePath(root: string, rel: string, where: string, make = true): string {
  const norm = path.posix.normalize(rel);
  if (path.posix.isAbsolute(norm) || norm.startsWith('../') || norm === '..' || norm.includes('\0'))
    throw new InvalidRequestError(`${JSON.stringify(rel)} is a path outside the package`, where);
  const parts = norm.split('/');
  let at = root;
  for (const part of parts.slice(0, -1)) {
    at = path.join(at, part);
    const st = fs.lstatSync(at, { throwIfNoEntry: false });
    if (st?.isSymbolicLink())
      throw new InvalidRequestError(`the directory of ${rel} is reached through a link (${part}): nothing is written there`, where);
    if (st && !st.isDirectory()) throw new InvalidRequestError(`${rel} needs ${part}, a file, as a directory`, where);
    if (!st && !make) break;
    if (!st) fs.mkdirSync(at, { mode: 0o755 });
  }
  return path.join(at, parts[parts.length - 1]!);
}

/** Writes `data` new at `rel` in the package (writablePath), and reports it. */
export function writeNew(
  root: string,
  rel: string,
  data: Buffer,
  by: string,
  where: string,
  written: GeneratedFile[],
  opts: GenerateOptions,
): void {
  fs.writeFileSync(writablePath(root, rel, where), data, { flag: 'wx', mode: 0o644 });
  const f = { path: rel, bytes: data.length, by };
  written.push(f);
  opts.onFile?.(f);
}
