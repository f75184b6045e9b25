/**
 * A DMOJ problem's generators (init.yml `generator`, docs/problem_format/generator.md): a program
 * of the problem's directory that writes a test's input to its stdout and its answer to its
 * stderr, given the case's `generator_args` (cast to text as Python's str() casts them: `True`,
 * `False`) and `generator_in` (a file of the problem) as its input. A case with `in` and `out`
 * runs none; one without `in` takes the generator's stdout as it is (DMOJ does not normalise
 * it), one without `out` its stderr, normalised unless `binary_data`.
 *
 * They run in the sandbox before the first test is judged (dmoj-generate-run.ts).
 */
import { InvalidRequestError } from '../errors';
import type { DmojFiles } from './dmoj-files';
import { dmojFlags, dmojProgram, isMap } from './dmoj-init-checker';
import type { PackageValidator } from './package-validator';

/** A generator as init.yml gives it. */
export interface DmojGenerator {
  /** Its spec as written (the cases sharing one share its compile). */
  key: string;
  program: PackageValidator;
  /** `args` of its mapping: a case without `generator_args` gets them. */
  args: string[];
  /** Its `flags`, added to its compile command. */
  compilerOptions?: string[];
  /** Its own `time_limit` (s) and `memory_limit` (KiB), under the Judge's maxima. */
  timeLimitS?: number;
  memoryKiB?: number;
}

/** A case whose data a generator makes: into `inPath` and `ansPath` (virtual paths of DmojFiles), null where the case names its file. */
export interface DmojGeneration {
  name: string;
  generator: DmojGenerator;
  args: string[];
  /** `generator_in`: the generator's input, a file of the problem. */
  stdinPath: string | null;
  inPath: string | null;
  ansPath: string | null;
  binary: boolean;
}

/** Python's str() of a YAML scalar given as an argument. */
function pyStr(v: unknown, where: string): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null) return 'None';
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  throw new InvalidRequestError(`generator arguments must be numbers, text or booleans (got ${JSON.stringify(v)})`, where);
}

export function generatorArgs(v: unknown, where: string): string[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) throw new InvalidRequestError('generator_args must be a list', where);
  return v.map((x) => pyStr(x, where));
}

function positive(v: unknown, what: string, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new InvalidRequestError(`${what} must be a positive number`, where);
  return v;
}

/** init.yml's `generator` (a file, a list of files, or a mapping with `source`). */
export function readGenerator(files: DmojFiles, raw: unknown, where: string, notes: string[]): DmojGenerator {
  const key = JSON.stringify(raw);
  if (!isMap(raw)) return { key, program: dmojProgram(files, { files: raw, lang: undefined }, where), args: [] };
  // As a bridged checker's: the judge's compile limits apply (a compile beyond them is the problem's IE).
  if (raw.compiler_time_limit !== undefined) notes.push(`${where} compiler_time_limit is not read: the judge's compile limits apply`);
  const flags = dmojFlags(raw.flags, `${where} flags`);
  return {
    key,
    program: dmojProgram(files, { files: raw.source, lang: raw.language }, where),
    ...(flags ? { compilerOptions: flags } : {}),
    args: generatorArgs(raw.args, where) ?? [],
    ...(positive(raw.time_limit, 'time_limit', where) !== undefined ? { timeLimitS: positive(raw.time_limit, 'time_limit', where) } : {}),
    ...(positive(raw.memory_limit, 'memory_limit', where) !== undefined
      ? { memoryKiB: positive(raw.memory_limit, 'memory_limit', where) }
      : {}),
  };
}
