/**
 * A Judge0 submission request (`POST /submissions`), its fields and units as Judge0 documents
 * them, turned into caged's native submission (src/judge/schema.ts):
 *
 *   source_code, stdin, expected_output   text, or base64 with `?base64_encoded=true`
 *   language_id                            a Judge0 id (./languages.ts)
 *   cpu_time_limit, wall_time_limit        seconds (fractions allowed)  → limits.cpuTimeMs, wallTimeMs
 *   memory_limit                           KB (KiB, as isolate counts) → limits.memoryBytes
 *   max_processes_and_or_threads           count                        → limits.pids
 *   max_file_size                          KB                           → limits.fileSizeBytes and outputBytes
 *   stack_limit                            KB (0: no limit of its own)  → limits.stackBytes
 *   compiler_options                       one string, split at spaces  → compilerOptions
 *   command_line_arguments                 split as a shell splits it   → the test's args (shell-words.ts)
 *   cpu_extra_time                         seconds, accepted            (see below)
 *   redirect_stderr_to_stdout              true                         → stderrToStdout
 *   callback_url                           http(s)                      → callback (format judge0)
 *   additional_files                       a ZIP archive, base64        → files beside the source (see below)
 *
 * `additional_files` is always base64, as Judge0 decodes it whatever `base64_encoded` says. Its
 * files sit beside the source in the box before the compile, as Judge0's `unzip -n` leaves them
 * (the source wins over a file of its name). Judge0 compiles only the source file: for a
 * language that compiles every source it is given (C, C++, Go…), a file of the archive with one
 * of the language's source endings is refused, naming it, rather than compiled with the source.
 * The archive is read by the package archives' reader (fs/zip-archive.ts: links, encryption,
 * names leaving the directory and damaged entries refused); its files count against the
 * submission's caps (64 files, its source bytes), refused under `additional_files`.
 *
 * Judge0's "Multi-file program" (89, caged's `multifile`: Judge0Language.project) has no
 * source: `source_code` must be blank and `additional_files` carries every file, among them the
 * Bash scripts `compile` (or `compile.sh`; optional) and `run` (or `run.sh`), which the language's
 * own commands run, as Judge0 runs them; `compiler_options` are refused, as Judge0 refuses them.
 *
 * Output is compared as Judge0 does, line by line ignoring trailing white space (checker
 * `lines`). Judge0 options caged does not implement are accepted only at the value that means
 * "off" (null, false, 1, empty), and refused otherwise, naming the field: a request is never
 * judged under rules other than those it asked for.
 *
 * `cpu_extra_time` is isolate's grace before it kills a program past its CPU limit; such a
 * program is "Time Limit Exceeded" whether it ends in the grace or not. caged stops it at the
 * limit: the verdict is the same, only `time` stops near the limit instead of running on. So any
 * value Judge0 accepts (0 to 5 s by default) is taken, and Judge0 clients that send Judge0's own
 * defaults (cpu_extra_time 1, stack_limit 64000) are judged as Judge0 would judge them.
 */
import path from 'node:path';
import { z } from 'zod';
import { InvalidRequestError } from '../errors';
import { ZipFiles } from '../fs/zip-archive';
import { DEFAULT_MAX_SOURCE_FILES } from '../judge/program-schema';
import { STACK_BOUND } from '../limit-bounds';
import type { SubmissionInput } from '../judge/schema';
import type { Judge0Language, Judge0Languages } from './languages';
import { ShellWordsError, shellWords } from './shell-words';

/** A field → messages map: Judge0's 422 body (`{"language_id": ["can't be blank"]}`). */
export type Judge0Errors = Record<string, string[]>;

/**
 * Judge0 keeps a submission in typed database columns that cast what a client sends: a decimal
 * string is a number ("71", "5.0": Judge0's own documentation sends `"language_id": "4"`), and
 * "true"/"false" are booleans. The same casts here, before each field's own check; any other
 * string is refused.
 */
const NUMBER_TEXT = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;
function cast<T extends z.ZodType<unknown, number>>(field: T, message = 'is not a number') {
  return z.union([z.number(), z.string().regex(NUMBER_TEXT).transform(Number)], { message }).pipe(field);
}
function castBoolean<T extends z.ZodType<unknown, boolean>>(field: T) {
  return z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], { message: 'is not true or false' }).pipe(field);
}

const seconds = cast(z.number().positive().max(1e6)).nullish();
const kb = cast(
  z
    .number()
    .int()
    .positive()
    .max(2 ** 40),
).nullish();
const text = z.string().nullish();
const PER_CONTAINER = 'is not supported by caged (limits are per container)';

export const Judge0RequestSchema = z.object({
  // Required but for a multi-file program (Judge0Language.project), which must not have one: fromJudge0.
  source_code: z.string({ message: 'is not a string' }).nullish(),
  language_id: cast(z.number().int(), "can't be blank"),
  compiler_options: z.string().max(512).nullish(),
  command_line_arguments: z.string().max(16_384).nullish(),
  stdin: text,
  expected_output: text,
  cpu_time_limit: seconds,
  cpu_extra_time: cast(z.number().min(0).max(5)).nullish(),
  wall_time_limit: seconds,
  memory_limit: kb,
  stack_limit: cast(
    z
      .number()
      .int()
      .min(0)
      .max(2 ** 30)
      .refine((k) => k === 0 || k * 1024 >= STACK_BOUND.min, {
        message: `must be 0 (no limit of its own) or at least ${STACK_BOUND.min / 1024}`,
      }),
  ).nullish(),
  max_processes_and_or_threads: cast(z.number().int().positive().max(1_000_000)).nullish(),
  enable_per_process_and_thread_time_limit: castBoolean(z.literal(false, { message: PER_CONTAINER })).nullish(),
  enable_per_process_and_thread_memory_limit: castBoolean(z.literal(false, { message: PER_CONTAINER })).nullish(),
  max_file_size: kb,
  redirect_stderr_to_stdout: castBoolean(z.boolean()).nullish(),
  enable_network: castBoolean(z.literal(false, { message: 'is not supported: programs never have a network' })).nullish(),
  number_of_runs: cast(z.literal(1, { message: 'is not supported by caged (one run)' })).nullish(),
  additional_files: z.string().nullish(),
  callback_url: z.string().max(2048).nullish(),
});
export type Judge0Request = z.output<typeof Judge0RequestSchema>;

function decode(value: string, base64: boolean, field: string, errors: Judge0Errors): Buffer {
  if (!base64) return Buffer.from(value, 'utf8');
  const clean = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) (errors[field] ??= []).push('is not base64');
  return Buffer.from(clean, 'base64');
}

type SourceFile = { name: string; content: string; encoding: 'utf8' | 'base64'; executable?: boolean };

/** Text as the native schema carries it: UTF-8 when it is, base64 otherwise. */
function carried(bytes: Buffer): { text: string; encoding: 'utf8' | 'base64' } {
  const asText = bytes.toString('utf8');
  return Buffer.from(asText, 'utf8').equals(bytes)
    ? { text: asText, encoding: 'utf8' }
    : { text: bytes.toString('base64'), encoding: 'base64' };
}

/** Inflated bytes read from `additional_files` at most, unless the caller gives its source cap. */
const MAX_ADDITIONAL_BYTES = 16 * 2 ** 20;
/** Entries of `additional_files` read at most (directories too); its files then count against the submission's 64. */
const MAX_ADDITIONAL_ENTRIES = 1024;

/**
 * The files of `additional_files` as the native schema carries them, or none with an error
 * recorded: beside the source, or (a multi-file program) all of the program.
 */
function additionalFiles(zip: Buffer, language: Judge0Language | undefined, maxBytes: number, errors: Judge0Errors): SourceFile[] {
  if (errors.additional_files || !language) return [];
  const refuse = (message: string): SourceFile[] => {
    (errors.additional_files ??= []).push(message);
    return [];
  };
  const out: SourceFile[] = [];
  try {
    const archive = ZipFiles.fromBytes(zip, { maxBytes, maxEntries: MAX_ADDITIONAL_ENTRIES });
    // Refused before anything is inflated when the submission could not carry them.
    const names = language.project ? archive.names() : archive.names().filter((name) => name !== language.sourceFile);
    const withSource = language.project ? 0 : 1;
    if (names.length + withSource > DEFAULT_MAX_SOURCE_FILES)
      return refuse(
        `holds ${names.length} files: ${withSource ? 'with the source, ' : ''}more than the ${DEFAULT_MAX_SOURCE_FILES} a submission has`,
      );
    if (names.length === 0 && language.project) return refuse('holds no file: a multi-file program is its files (a run script among them)');
    // Judge0's `unzip -n`: the source keeps its own file.
    for (const name of names) {
      if (language.everySource.includes(path.extname(name)))
        return refuse(
          `holds ${JSON.stringify(name)}, a source that caged would compile with ${language.sourceFile} (Judge0 compiles only ${language.sourceFile}): include it from there under another name`,
        );
      const c = carried(archive.read(name));
      // Judge0's unzip keeps a file's executable bits.
      out.push({ name, content: c.text, encoding: c.encoding, ...(archive.executable(name) ? { executable: true } : {}) });
    }
  } catch (err) {
    if (err instanceof InvalidRequestError) return refuse(err.message);
    throw err;
  }
  return out;
}

/**
 * The native submission of a Judge0 request, or the errors in Judge0's shape. `id` becomes the
 * submission id (the token).
 */
export function fromJudge0(
  body: unknown,
  opts: {
    id: string;
    base64: boolean;
    languages: Judge0Languages;
    /** The submission's source cap (CAGED_MAX_SOURCE_BYTES): no archive inflates past it. */
    maxSourceBytes?: number;
  },
): { submission: SubmissionInput } | { errors: Judge0Errors } {
  const parsed = Judge0RequestSchema.safeParse(body);
  const errors: Judge0Errors = {};
  if (!parsed.success) {
    for (const i of parsed.error.issues) (errors[i.path.length ? i.path.map(String).join('.') : 'submission'] ??= []).push(i.message);
    return { errors };
  }
  const r = parsed.data;
  const language = opts.languages.get(r.language_id);
  if (!language) (errors.language_id ??= []).push(`language with id ${r.language_id} doesn't exist`);
  if (language?.project) {
    if (r.source_code?.trim()) (errors.source_code ??= []).push('must be blank');
    if (!r.additional_files) (errors.additional_files ??= []).push("can't be blank");
    if (r.compiler_options?.trim())
      (errors.compiler_options ??= []).push('setting compiler options is only allowed for compiled languages');
  } else if (!r.source_code) (errors.source_code ??= []).push("can't be blank");
  const source = carried(decode(r.source_code ?? '', opts.base64, 'source_code', errors));
  const stdin = carried(decode(r.stdin ?? '', opts.base64, 'stdin', errors));
  const expectedText = r.expected_output ?? undefined;
  const expected = expectedText === undefined ? undefined : carried(decode(expectedText, opts.base64, 'expected_output', errors));
  const extra = r.additional_files
    ? additionalFiles(
        decode(r.additional_files, true, 'additional_files', errors),
        language,
        opts.maxSourceBytes ?? MAX_ADDITIONAL_BYTES,
        errors,
      )
    : [];
  if (Object.keys(errors).length || !language) return { errors };
  const limits: NonNullable<SubmissionInput['limits']> = {};
  const cpu = r.cpu_time_limit ?? undefined;
  const wall = r.wall_time_limit ?? undefined;
  const memoryKb = r.memory_limit ?? undefined;
  const pids = r.max_processes_and_or_threads ?? undefined;
  const fileKb = r.max_file_size ?? undefined;
  const stackKb = r.stack_limit ?? 0;
  let args: string[] = [];
  try {
    args = shellWords(r.command_line_arguments ?? '');
  } catch (err) {
    if (!(err instanceof ShellWordsError)) throw err;
    return { errors: { command_line_arguments: [err.message] } };
  }
  if (cpu !== undefined) limits.cpuTimeMs = Math.max(1, Math.round(cpu * 1000));
  if (wall !== undefined) limits.wallTimeMs = Math.max(1, Math.round(wall * 1000));
  if (memoryKb !== undefined) limits.memoryBytes = memoryKb * 1024;
  if (pids !== undefined) limits.pids = pids;
  // isolate writes the program's stdout to a file, so its file size limit caps stdout too
  // (past it, SIGXFSZ: Judge0 8); caged's output limit is that cap (OLE: Judge0 8 as well).
  if (fileKb !== undefined) limits.fileSizeBytes = limits.outputBytes = fileKb * 1024;
  if (stackKb > 0) limits.stackBytes = stackKb * 1024;
  const options = r.compiler_options?.split(/\s+/).filter((o) => o !== '') ?? [];
  const submission: SubmissionInput = {
    id: opts.id,
    language: language.cagedId,
    ...(language.project
      ? { files: extra }
      : source.encoding === 'utf8' && !extra.length
        ? { source: source.text }
        : {
            files: [{ name: language.sourceFile, content: source.text, encoding: source.encoding }, ...extra],
            ...(extra.length && language.sourceIsEntry ? { entry: language.sourceFile } : {}),
          }),
    testcases: [
      {
        stdin: stdin.text,
        stdinEncoding: stdin.encoding,
        ...(expected ? { expected: expected.text, expectedEncoding: expected.encoding } : {}),
        ...(args.length ? { args } : {}),
      },
    ],
    checker: { type: 'lines' },
    // Judge0 runs a program under exactly the limits asked for, whatever its language.
    languageFactors: false,
    ...(Object.keys(limits).length ? { limits } : {}),
    ...(options.length ? { compilerOptions: options } : {}),
    ...(r.redirect_stderr_to_stdout ? { stderrToStdout: true } : {}),
    ...(r.callback_url ? { callback: { url: r.callback_url, format: 'judge0' as const } } : {}),
  };
  return { submission };
}
