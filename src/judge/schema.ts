/**
 * The two contracts of the judge, declared once with zod and versioned (`schemaVersion`):
 * the submission a backend sends and the result it reads back (the job's return value on the
 * queue and what `caged run --json` prints). README.md ("Judging") documents them key by key.
 *
 * Units are in the names: milliseconds (`…Ms`), bytes (`…Bytes`). Every object is strict: an
 * unknown key is an error naming its path, never silently dropped.
 */
import { z } from 'zod';
import { DmojCheckerSchema } from './dmoj-checker-schema';
import { LimitsSchema } from './limits-schema';
import { checkFileIo, FileIoSchema } from './file-io-schema';
import { checkTestFiles, MAX_TEST_FILES, TestFileSchema } from './test-file-schema';
import { base64Text, encoding } from './wire-encoding';
import {
  checkProgramSize,
  CompilerOptionsSchema,
  decodedLength,
  DMOJ_BRIDGED,
  DmojArgsSchema,
  DEFAULT_MAX_PROGRAM_BYTES,
  DEFAULT_MAX_SOURCE_FILES,
  filesSchema,
  ProgramFilesSchema,
  sourcePath,
} from './program-schema';

export const SUBMISSION_SCHEMA_VERSION = 1;
export const RESULT_SCHEMA_VERSION = 1;

/** Default cap on the source (all files together, after decoding), in bytes. */
export const DEFAULT_MAX_SOURCE_BYTES = 256 * 1024;

export { LimitsSchema, type LimitName, type RequestedLimits } from './limits-schema';
export { DEFAULT_MAX_PROGRAM_BYTES, DEFAULT_MAX_SOURCE_FILES, SourceFileSchema } from './program-schema';

/**
 * The most processes of a submission a CMS manager may talk to at once (`interactor.processes`):
 * it holds two of the launcher's extra fds for each (src/sandbox/run-group.ts MAX_GROUP_USERS,
 * which test/unit/run-group.test.ts checks is the same).
 */
export const MAX_CMS_PROCESSES = 8;

export const TestcaseSchema = z.strictObject({
  name: z.string().max(200).optional(),
  stdin: z.string().default(''),
  stdinEncoding: encoding,
  /** Absent: the test is accepted whenever the program ends normally. */
  expected: z.string().optional(),
  expectedEncoding: encoding,
  /** Points of the test; the score is their sum over accepted tests. */
  points: z.number().min(0).max(1e9).default(1),
  /** Command-line arguments of the program, after the language's run command (a problem package's `args`). */
  args: z
    .array(
      z
        .string()
        .max(4096)
        .refine((a) => !a.includes('\0'), 'an argument holds no NUL byte'),
    )
    .max(64)
    .optional(),
  /**
   * Files in the program's working directory for this test only (a problem package's
   * `NAME.files`), over the submission's own and its compiled files; its writes to them vanish
   * with the test. Not given to an interactor or checker.
   */
  files: z.array(TestFileSchema).max(MAX_TEST_FILES).optional(),
});

/**
 * A test group of a JSON submission (src/judge/inline-groups.ts): worth `points`, which its
 * tests earn together by `aggregation`. A test may be in several groups; tests in no group
 * score their own points.
 */
export const TestGroupSchema = z.strictObject({
  name: z.string().min(1).max(200),
  /** 0-based indices in `testcases`, in the order the group's verdict reads them. */
  tests: z.array(z.number().int().min(0)).min(1).max(1000),
  points: z.number().min(0).max(1e9),
  /** `sum`: points × the mean of the tests' fractions; `min`: points × the smallest (all or nothing for pass/fail tests). */
  aggregation: z.enum(['sum', 'min']).default('sum'),
  /**
   * `break`: once one of the group's tests is rejected, its later tests (test order) are not run
   * (SKIPPED, counted as failed), unless another group still going, or none, holds them
   * (src/judge/test-skips.ts); its verdict then reads its tests in test order. Absent: `continue`.
   */
  onReject: z.enum(['continue', 'break']).optional(),
});

/**
 * An output validator's or interactor's working directory: `own` (the default), its own compiled
 * files; `submission`, the submission's files, compiled binaries and included files, its own
 * files then being at /validator (the 2025-09 problem package format's rule).
 */
const WorkingDirSchema = z.enum(['own', 'submission']);

/** A problem program's arguments after its three (a package's validator flags): at most 64, of 256 bytes, no NUL. */
const ProgramFlagsSchema = z
  .array(
    z
      .string()
      .max(256)
      .refine((f) => !f.includes('\0'), { message: 'must not hold NUL' }),
  )
  .max(64);

const FOR_BRIDGED = 'is for a DMOJ bridged checker (protocol dmoj-default, dmoj-testlib, dmoj-coci or dmoj-peg)';

export const CheckerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('exact') }),
  z.strictObject({ type: z.literal('lines') }),
  z.strictObject({ type: z.literal('tokens') }),
  /** CMS's white diff: line by line, each line's whitespace collapsed, blank lines at the end ignored (src/judge/white-diff.ts). */
  z.strictObject({ type: z.literal('white-diff') }),
  z.strictObject({
    type: z.literal('float'),
    /** Largest accepted |output − answer|. */
    absolute: z.number().min(0).default(1e-6),
    /** Largest accepted |output − answer| / |answer|. */
    relative: z.number().min(0).default(1e-6),
  }),
  /**
   * One of DMOJ's built-in checkers, as a DMOJ package's init.yml names it: `{type: "dmoj", name,
   * args}` (src/judge/dmoj-checker-schema.ts: each name's args; src/judge/dmoj-checkers.ts).
   */
  DmojCheckerSchema,
  z
    .strictObject({
      /** A checker program run on `input output answer`, its end read by `protocol` (src/judge/custom-checker.ts). */
      type: z.literal('custom'),
      /** A language id of the registry; the checker is compiled like a submission. */
      language: z.string().min(1).max(64),
      /** Exactly one of `source` (the language's entry file) and `files` (a testlib checker with its testlib.h, say). */
      source: z.string().min(1).optional(),
      files: ProgramFilesSchema.optional(),
      /** With `files`: the entry point, its name kept, as a submission's `entry` (src/judge/program-files.ts). */
      entry: sourcePath.optional(),
      /**
       * How its end is read: `testlib` (the default: testlib's exit codes, partial points on its
       * first line); DMOJ's bridged checker by its contrib module, `dmoj-default` (0 AC, 1 WA),
       * `dmoj-testlib` (…, 2 PE, 3 IE, 7 `points N` on stderr) or `dmoj-coci` (…, 7 `partial
       * X/Y` on stderr), its stdout the feedback (src/judge/dmoj-contrib.ts); `dmoj-python`, a
       * DMOJ Python checker with caged's runner (src/problem/dmoj-python-checker.ts makes it);
       * `cms`, a CMS checker (run on `input answer output`, its outcome 0..1 on stdout:
       * src/judge/cms-checker.ts).
       */
      protocol: z.enum(['testlib', 'dmoj-default', 'dmoj-testlib', 'dmoj-coci', 'dmoj-peg', 'dmoj-python', 'cms']).default('testlib'),
      /** DMOJ's `feedback` of a bridged checker (`dmoj-default`, `-testlib`, `-coci`, `-peg` only): false shows nothing of its stdout. Default true. */
      feedback: z.boolean().optional(),
      /** Added to its language's compile command, as a submission's `compilerOptions` (DMOJ's `flags`). */
      compilerOptions: CompilerOptionsSchema.optional(),
      /** A DMOJ bridged checker's own arguments instead of its module's (`args_format_string`: src/judge/dmoj-args.ts). */
      args: DmojArgsSchema.optional(),
    })
    .refine((c) => c.feedback === undefined || DMOJ_BRIDGED.includes(c.protocol), { path: ['feedback'], message: FOR_BRIDGED })
    .refine((c) => c.args === undefined || DMOJ_BRIDGED.includes(c.protocol), { path: ['args'], message: FOR_BRIDGED }),
  z.strictObject({
    /** An output validator speaking the Kattis protocol (src/judge/output-validator.ts). */
    type: z.literal('validator'),
    /** A language id of the registry; the validator is compiled like a submission. */
    language: z.string().min(1).max(64),
    /** Exactly one of `source` (the language's entry file) and `files` (with a header, say). */
    source: z.string().min(1).optional(),
    files: ProgramFilesSchema.optional(),
    /** With `files`: the entry point, its name kept, as a submission's `entry` (src/judge/program-files.ts). */
    entry: sourcePath.optional(),
    /**
     * `build-run` (default `source`): `files` are a Kattis build/run program (`build` run in
     * the sandbox as its compile, then `run`); `language` picks the image layers it runs on.
     */
    program: z.enum(['source', 'build-run']).optional(),
    /** Appended after `input answer feedback_dir`, in order (the package's `validator_flags`). */
    flags: ProgramFlagsSchema.default([]),
    /** The validator's run: may lower the configured checker limits, never raise them. */
    limits: LimitsSchema.optional(),
    /** The validator's compile: may lower the configured compile limits. */
    compileLimits: LimitsSchema.optional(),
    workingDir: WorkingDirSchema.optional(),
  }),
]);
export type Checker = z.output<typeof CheckerSchema>;

/**
 * The interactor of an interactive problem: compiled once per job, run beside the submission for
 * each test, their stdio crossed (src/judge/interactive.ts). With one, the tests' `stdin` is the
 * interactor's input file, not the submission's stdin. `protocol` `kattis` (default): its exit
 * code decides and `checker` is not used; `testlib` (Polygon's): once it accepted, `checker`
 * judges the output file it wrote; `dmoj-default`, `dmoj-testlib`, `dmoj-coci` (DMOJ's bridged
 * interactor): its exit code read by DMOJ's contrib module decides alone, no checker;
 * `dmoj-grader`: caged's runner of a DMOJ custom judge (src/problem/dmoj-grader.ts) decides alone
 * by the report on its stderr; `cms`: a CMS Communication task's manager (src/judge/cms-communication.ts)
 * decides alone by the outcome it prints.
 */
const FOR_DMOJ_INTERACTOR = 'is for a DMOJ interactor (protocol dmoj-default, dmoj-testlib, dmoj-coci or dmoj-grader)';

export const InteractorSchema = z
  .strictObject({
    /** A language id of the registry. */
    language: z.string().min(1).max(64),
    source: z.string().min(1).optional(),
    files: ProgramFilesSchema.optional(),
    /** With `files`: the entry point, its name kept, as a submission's `entry` (src/judge/program-files.ts). */
    entry: sourcePath.optional(),
    /**
     * How it is run and read: `kattis` (`input answer feedback_dir [flags]`, exit 42/43),
     * `testlib` (`input output answer`, testlib's exit codes, then the checker on `output`), or
     * DMOJ's bridged interactor (`dmoj-default` and `dmoj-coci`: `input answer`; `dmoj-testlib`:
     * `input /dev/null answer`), its exit code and stderr read by that contrib module
     * (src/judge/dmoj-contrib.ts), its stderr the feedback; `dmoj-grader` (`input answer
     * context`: the test's points, index, name and the submission's language as JSON), the
     * first line of its stderr a report (src/judge/dmoj-python-report.ts); `cms` (a CMS
     * Communication task's manager: `from_submission to_submission` as files to open, the test's
     * input on its stdin and as `input.txt` in its working directory, exit 0, its outcome 0..1
     * the first line of its stdout, its message the first line of its stderr).
     */
    protocol: z.enum(['kattis', 'testlib', 'dmoj-default', 'dmoj-testlib', 'dmoj-coci', 'dmoj-grader', 'cms']).default('kattis'),
    /**
     * `cms` only: how the submission reaches the manager. `stdio` (default): its stdin and
     * stdout; `fifos` (CMS's `fifo_io`): two files to open, named by its arguments (`from_manager
     * to_manager`), its stdin empty and its stdout discarded.
     */
    submissionIo: z.enum(['stdio', 'fifos']).optional(),
    /**
     * `cms` only: how many processes of the submission run at once (CMS's `num_processes`),
     * each given its index (0, 1, …) as its last argument; the manager gets each one's two
     * channels in turn (`from_0 to_0 from_1 to_1 …`). Default 1.
     */
    processes: z.number().int().min(1).max(MAX_CMS_PROCESSES).optional(),
    /** DMOJ's `interactive.feedback` (`dmoj-*` only): true shows its stderr as the message. Default false, as DMOJ's. */
    feedback: z.boolean().optional(),
    /**
     * `build-run` (default `source`): `files` are a Kattis build/run program (`build` run in
     * the sandbox as its compile, then `run`); `language` picks the image layers it runs on.
     */
    program: z.enum(['source', 'build-run']).optional(),
    /** Passed after `input answer feedback_dir` (Kattis protocol only). */
    flags: ProgramFlagsSchema.optional(),
    /** Added to its language's compile command, as a submission's `compilerOptions` (DMOJ's `flags`). */
    compilerOptions: CompilerOptionsSchema.optional(),
    /** A DMOJ interactor's own arguments instead of its module's (`args_format_string`: src/judge/dmoj-args.ts). */
    args: DmojArgsSchema.optional(),
    /**
     * The interactor's run: may lower the configured checker limits, never raise them; its wall
     * time (and CPU time, when not given here) is raised to outlive the submission.
     */
    limits: LimitsSchema.optional(),
    /** The interactor's compile: may lower the job's compile limits. */
    compileLimits: LimitsSchema.optional(),
    workingDir: WorkingDirSchema.optional(),
    /** Keep each test's exchange in its result (`transcript`), up to this many bytes (at most 64 KiB); default none. */
    transcriptBytes: z
      .number()
      .int()
      .min(0)
      .max(64 * 1024)
      .optional(),
  })
  .refine((i) => (i.source === undefined) !== (i.files === undefined), { message: 'give exactly one of "source" and "files"' })
  .refine((i) => i.protocol !== 'testlib' || i.flags === undefined, {
    path: ['flags'],
    message: 'a testlib interactor takes no flags (its arguments are input, output and answer)',
  })
  .refine((i) => i.protocol !== 'cms' || i.flags === undefined, {
    path: ['flags'],
    message: "a CMS manager takes no flags (its arguments are the submission's channels)",
  })
  .refine((i) => i.submissionIo === undefined || i.protocol === 'cms', {
    path: ['submissionIo'],
    message: 'is for a CMS manager (protocol cms)',
  })
  .refine((i) => i.processes === undefined || i.protocol === 'cms', {
    path: ['processes'],
    message: 'is for a CMS manager (protocol cms)',
  })
  .refine((i) => (i.processes ?? 1) === 1 || !i.transcriptBytes, {
    path: ['transcriptBytes'],
    message: 'a CMS manager with several processes keeps no transcript',
  })
  .refine((i) => !i.protocol.startsWith('dmoj-') || i.flags === undefined, {
    path: ['flags'],
    message: "a DMOJ interactor takes no flags (its arguments are its contrib module's)",
  })
  .refine((i) => i.feedback === undefined || i.protocol.startsWith('dmoj-'), { path: ['feedback'], message: FOR_DMOJ_INTERACTOR })
  .refine((i) => i.args === undefined || i.protocol.startsWith('dmoj-'), { path: ['args'], message: FOR_DMOJ_INTERACTOR })
  .refine((i) => i.args === undefined || i.protocol !== 'dmoj-grader', {
    path: ['args'],
    message: "a DMOJ custom judge's runner takes no args (its arguments are input, answer and context)",
  });
export type InteractorSpec = z.output<typeof InteractorSchema>;

/** A problem package stored in Redis by `caged problem push` (src/problem/package-store.ts). */
export const ProblemRefSchema = z.strictObject({
  /** The package's name, for people and logs. */
  id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, { message: 'may hold only A-Z a-z 0-9 . _ : -' }),
  /** `sha256:` and the package archive's SHA-256 in lowercase hex: what the worker fetches and verifies. */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, { message: 'must be "sha256:" and 64 lowercase hex digits' }),
});
export type ProblemRefInput = z.input<typeof ProblemRefSchema>;

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Where the result is sent (PUT, signed) when the job ends: docs/api.md, "Webhooks". Only
 * http(s); the worker refuses private-network targets at delivery unless configured.
 */
export const CallbackSchema = z.strictObject({
  url: z.string().max(2048).refine(isHttpUrl, { message: 'must be an http:// or https:// URL' }),
  /** The body: caged's result (`caged`) or Judge0's submission fields (`judge0`). */
  format: z.enum(['caged', 'judge0']).default('caged'),
});
export type Callback = z.output<typeof CallbackSchema>;

export interface SubmissionSchemaOptions {
  /** Cap on the source (all files together, decoded), in bytes; default 256 KiB. */
  maxSourceBytes?: number;
  /** Cap on the number of a submission's files; default 64. */
  maxSourceFiles?: number;
  /** Cap on a custom checker's, an output validator's and an interactor's files (each program's together, decoded), in bytes; default 16 MiB. */
  maxProgramBytes?: number;
}

/** The submission schema with a configurable source cap (the worker's CAGED_MAX_SOURCE_BYTES). */
export function makeSubmissionSchema(opts: SubmissionSchemaOptions = {}) {
  const maxSource = opts.maxSourceBytes ?? DEFAULT_MAX_SOURCE_BYTES;
  const maxProgram = opts.maxProgramBytes ?? DEFAULT_MAX_PROGRAM_BYTES;
  return z
    .strictObject({
      schemaVersion: z.literal(SUBMISSION_SCHEMA_VERSION).default(SUBMISSION_SCHEMA_VERSION),
      /** Chosen by the backend; the queue's idempotency key. */
      id: z
        .string()
        .min(1)
        .max(200)
        .regex(/^[A-Za-z0-9._:-]+$/, { message: 'may hold only A-Z a-z 0-9 . _ : -' })
        .optional(),
      language: z.string().min(1).max(64),
      source: z.string().optional(),
      /** How `source` is written: `utf8` text, or `base64` for bytes that are not UTF-8 (the command line sends those so). */
      sourceEncoding: encoding,
      files: filesSchema(opts.maxSourceFiles ?? DEFAULT_MAX_SOURCE_FILES).optional(),
      /**
       * With `files`: the one that is the entry point (`{entry}`), its name kept; default the file
       * named like the language's sourceFile (docs/judging.md). Refused for a language that
       * compiles every source and takes no entry (src/judge/plan.ts).
       */
      entry: sourcePath.optional(),
      /** Added to the language's compile command: an allow-list per compiler (compiler-options.ts). */
      compilerOptions: CompilerOptionsSchema.optional(),
      /** Exactly one of `testcases` and `problem`. */
      testcases: z.array(TestcaseSchema).max(1000).default([]),
      /** Test groups with points (scoring): the job's score is theirs (src/judge/inline-groups.ts). */
      groups: z.array(TestGroupSchema).min(1).max(100).optional(),
      /** A problem package pushed to Redis (`caged problem push`): judged against it instead of `testcases`. */
      problem: ProblemRefSchema.optional(),
      limits: LimitsSchema.optional(),
      compileLimits: LimitsSchema.optional(),
      checker: CheckerSchema.default({ type: 'tokens' }),
      interactor: InteractorSchema.optional(),
      stopOnFirstFailure: z.boolean().default(false),
      /**
       * With `problem`: every test of the package is judged, none skipped after a rejection (its
       * groups' `on_reject: break` and the legacy format's stop at the first rejection set
       * aside), as `caged judge --all-tests` does to check a package's own submission. A
       * 2025-09 package's verdict and scores stay what they would be; in a legacy or 2023-07
       * one a group's score and `worst_error` then count every test (docs/judging.md).
       */
      allTests: z.boolean().optional(),
      /**
       * Whether the program may create, change and remove files in its working directory /box
       * (a problem package's `allow_file_writing`); false: /box is read-only to the tests (/tmp
       * stays writable). Absent: true, as version 1 always had it (its writes vanish with the test).
       * A problem package brings its own (problem.yaml `allow_file_writing`).
       */
      allowFileWriting: z.boolean().optional(),
      /**
       * File input and output (docs/judging.md, "File input and output"): `input`, a file in /box
       * each test's input is written to (standard input carries it too); `output`, the file in
       * /box the program's answer is read from after it ends, checked instead of its stdout.
       * Plain file names. A problem package brings its own (Polygon's input-file/output-file).
       */
      fileIo: FileIoSchema.optional(),
      /**
       * The program's stderr goes into its stdout (Judge0's `redirect_stderr_to_stdout`): both
       * are one pipe, checked together, reported as stdout; stderr stays empty. Not with an
       * interactor or a problem package, whose stdout is the other side's input or the validator's.
       */
      stderrToStdout: z.boolean().optional(),
      /**
       * false: the tests' limits are exactly those asked for (Judge0's dialect, whose clients set
       * them per language themselves): the language's timeFactor and memoryFactor, the operator's
       * allowance for slow runtimes, are not applied. Absent: true.
       */
      languageFactors: z.boolean().optional(),
      /** Webhook: the result is PUT there when the job ends (optional, additive to version 1). */
      callback: CallbackSchema.optional(),
    })
    .superRefine((s, ctx) => {
      const issue = (path: Array<string | number>, message: string): void => ctx.addIssue({ code: 'custom', path, message });
      if (s.problem === undefined && s.testcases.length === 0) issue(['testcases'], 'give test cases, or a problem package in "problem"');
      if (s.problem !== undefined && s.testcases.length > 0) issue(['problem'], 'give exactly one of "testcases" and "problem"');
      if (s.problem !== undefined && s.interactor !== undefined) issue(['interactor'], 'a problem package brings its own validation');
      if (s.problem !== undefined && s.groups !== undefined) issue(['groups'], 'a problem package brings its own test groups');
      if (s.allTests !== undefined && s.problem === undefined)
        issue(['allTests'], 'is for a problem package (test cases run all unless stopOnFirstFailure)');
      if (s.stderrToStdout && (s.problem !== undefined || s.interactor !== undefined))
        issue(['stderrToStdout'], 'is not for an interactive problem or a problem package');
      if (s.problem !== undefined && s.allowFileWriting !== undefined)
        issue(['allowFileWriting'], "a problem package brings its own (problem.yaml's allow_file_writing)");
      if (s.fileIo) checkFileIo(s, ctx);
      checkGroups(s.groups ?? [], s.testcases.length, ctx);
      if ((s.source === undefined) === (s.files === undefined)) {
        issue(['source'], 'give exactly one of "source" and "files"');
        return;
      }
      let total = 0;
      if (s.source !== undefined) {
        if (s.sourceEncoding === 'base64' && !base64Text.test(s.source)) issue(['source'], 'is not base64');
        total = decodedLength(s.source, s.sourceEncoding);
        if (total > maxSource) issue(['source'], `is ${total} bytes, more than the ${maxSource} allowed`);
      }
      s.files?.forEach((f, i) => {
        if (f.encoding === 'base64' && !base64Text.test(f.content)) issue(['files', i, 'content'], 'is not base64');
        total += decodedLength(f.content, f.encoding);
        if (total > maxSource) issue(['files', i, 'content'], `the files reach ${total} bytes, more than the ${maxSource} allowed`);
      });
      if (s.entry !== undefined && !s.files?.some((f) => f.name === s.entry))
        issue(['entry'], s.files ? `names no file of "files": ${JSON.stringify(s.entry)}` : 'goes with "files", not "source"');
      if (s.checker.type === 'validator') checkProgramSize(s.checker, ['checker'], 'validator', maxProgram, ctx);
      if (s.checker.type === 'custom') checkProgramSize(s.checker, ['checker'], 'checker', maxProgram, ctx);
      if (s.interactor) checkProgramSize(s.interactor, ['interactor'], 'interactor', maxProgram, ctx);
      if (s.interactor?.protocol === 'testlib' && s.checker.type === 'validator')
        issue(['checker'], 'a testlib interactor is followed by a testlib checker ("custom") or a built-in one, not an output validator');
      if (s.interactor?.protocol.startsWith('dmoj-') && (s.checker.type === 'custom' || s.checker.type === 'validator'))
        issue(['checker'], 'a DMOJ interactor decides alone: no checker runs after it');
      if (s.interactor?.protocol === 'cms' && (s.checker.type === 'custom' || s.checker.type === 'validator'))
        issue(['checker'], 'a CMS manager decides alone: no checker runs after it');
      s.testcases.forEach((t, i) => checkTestcase(t, ['testcases', i], ctx));
    });
}

/** What the schema cannot say of one test case: its base64 fields decode, its files' paths are fit. */
function checkTestcase(t: z.output<typeof TestcaseSchema>, at: Array<string | number>, ctx: z.RefinementCtx): void {
  const issue = (path: Array<string | number>, message: string): void => ctx.addIssue({ code: 'custom', path, message });
  if (t.stdinEncoding === 'base64' && !base64Text.test(t.stdin)) issue([...at, 'stdin'], 'is not base64');
  if (t.expected !== undefined && t.expectedEncoding === 'base64' && !base64Text.test(t.expected))
    issue([...at, 'expected'], 'is not base64');
  if (t.files) checkTestFiles(t.files, [...at, 'files'], ctx);
}

/**
 * One test case checked as a submission's are (TestcaseSchema and checkTestcase): the tests a
 * caller gives one at a time to a job it opened with a whole submission (Judge.openJob).
 */
export const CheckedTestcaseSchema = TestcaseSchema.superRefine((t, ctx) => checkTestcase(t, [], ctx));

/** Group names unique; each group's tests existing and listed once. */
function checkGroups(groups: ReadonlyArray<z.output<typeof TestGroupSchema>>, tests: number, ctx: z.RefinementCtx): void {
  const names = new Set<string>();
  groups.forEach((g, i) => {
    if (names.has(g.name))
      ctx.addIssue({ code: 'custom', path: ['groups', i, 'name'], message: `duplicate group name ${JSON.stringify(g.name)}` });
    names.add(g.name);
    const seen = new Set<number>();
    g.tests.forEach((t, k) => {
      if (t >= tests)
        ctx.addIssue({
          code: 'custom',
          path: ['groups', i, 'tests', k],
          message: `is test ${t}, but there are ${tests} test cases (0-based)`,
        });
      if (seen.has(t)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'tests', k], message: `lists test ${t} twice` });
      seen.add(t);
    });
  });
}

/** The submission with the default source cap (256 KiB). */
export const SubmissionSchema = makeSubmissionSchema();
/** A validated submission (defaults filled in). */
export type Submission = z.output<typeof SubmissionSchema>;
/** What a producer may send (defaults optional). */
export type SubmissionInput = z.input<typeof SubmissionSchema>;
export type Testcase = Submission['testcases'][number];

// ---------------------------------------------------------------------------------------------
// The result.

export const VERDICTS = ['AC', 'WA', 'TLE', 'MLE', 'OLE', 'RE', 'CE', 'SE', 'IE'] as const;
export const VerdictSchema = z.enum(VERDICTS);
export type Verdict = z.output<typeof VerdictSchema>;

export const TEST_VERDICTS = ['AC', 'WA', 'TLE', 'MLE', 'OLE', 'RE', 'SE', 'IE', 'SKIPPED'] as const;
export const TestVerdictSchema = z.enum(TEST_VERDICTS);
export type TestVerdict = z.output<typeof TestVerdictSchema>;

export const COMPILE_VERDICTS = ['OK', 'CE', 'TLE', 'MLE', 'OLE', 'SE', 'IE'] as const;
export const CompileVerdictSchema = z.enum(COMPILE_VERDICTS);
export type CompileVerdict = z.output<typeof CompileVerdictSchema>;

export const Judge0StatusSchema = z.strictObject({ id: z.number().int(), description: z.string() });
export type Judge0Status = z.output<typeof Judge0StatusSchema>;

export const LimitHitSchema = z.enum(['cpu', 'wall', 'memory', 'output', 'pids', 'fileSize']).nullable();

const nonNegative = z.number().min(0);

export const CompileResultSchema = z.strictObject({
  verdict: CompileVerdictSchema,
  exitCode: z.number().int().nullable(),
  /** The compiler's stdout then stderr, as UTF-8 text, capped (64 KiB by default). */
  output: z.string(),
  outputTruncated: z.boolean(),
  cpuTimeMs: nonNegative,
  wallTimeMs: nonNegative,
  memoryBytes: nonNegative,
  /** True when the artefact came from the compile cache (the times and memory are then 0). */
  cached: z.boolean(),
});
export type CompileResult = z.output<typeof CompileResultSchema>;

export const TestResultSchema = z.strictObject({
  /** 0-based position in `testcases`. */
  index: z.number().int().min(0),
  name: z.string().nullable(),
  verdict: TestVerdictSchema,
  judge0: Judge0StatusSchema,
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stdoutEncoding: z.enum(['utf8', 'base64']),
  stdoutTruncated: z.boolean(),
  stderr: z.string(),
  stderrEncoding: z.enum(['utf8', 'base64']),
  stderrTruncated: z.boolean(),
  cpuTimeMs: nonNegative,
  wallTimeMs: nonNegative,
  memoryBytes: nonNegative,
  limitHit: LimitHitSchema,
  message: z.string(),
  /** Points earned by this test (its `points`, a fraction of them, or 0). */
  points: nonNegative,
  checkerMessage: z.string().nullable(),
  /** An output validator's teammessage.txt (one line, capped): meant for the contestant. */
  teamMessage: z.string().optional(),
  /** An output validator's score.txt, as it said it (before capping at the test's points). */
  validatorScore: nonNegative.optional(),
  /** An output validator's score_multiplier.txt (2025-09): its share, in [0, 1], of the test's maximum score. */
  validatorScoreMultiplier: z.number().min(0).max(1).optional(),
  /**
   * The score file (`score.txt`, else `score_multiplier.txt`) an output validator or interactor
   * wrote although it rejected (exit 43). The verdict stays WA; the package format 2025-09 makes
   * this a judge error on a scoring problem's secret test, which `caged judge` applies.
   */
  validatorRejectedWithScoreFile: z.enum(['score.txt', 'score_multiplier.txt']).optional(),
  /**
   * An interactive test's exchange, when the interactor asked for one (`transcriptBytes`): what
   * each side wrote, in order (consecutive writes of a side joined), at most that many bytes.
   */
  transcript: z
    .strictObject({
      chunks: z.array(
        z.strictObject({ from: z.enum(['interactor', 'submission']), data: z.string(), encoding: z.enum(['utf8', 'base64']) }),
      ),
      /** The cap cut the exchange. */
      truncated: z.boolean(),
    })
    .optional(),
});
export type TestResult = z.output<typeof TestResultSchema>;

/**
 * A test group's verdict and score (src/judge/group-grading.ts): a problem package's (`caged
 * judge`), or a JSON submission's `groups` (in its order).
 */
export const GroupResultSchema = z.strictObject({
  /** A package's "data" (the root), "sample", "secret/group1"; a submission's group's name. */
  name: z.string(),
  verdict: TestVerdictSchema,
  score: z.number(),
  maxScore: z.number(),
  /** Indices in `tests` of the group's tests, its subgroups' included. */
  tests: z.array(z.number().int().min(0)),
});
export type GroupResult = z.output<typeof GroupResultSchema>;

/** The problem package a result was judged against (`caged judge`). */
export const ProblemInfoSchema = z.strictObject({
  name: z.string(),
  format: z.enum(['legacy', '2023-07', '2025-09', 'polygon', 'dmoj', 'cms']),
  type: z.enum(['pass-fail', 'scoring']),
  timeLimitMs: nonNegative,
  /** Where the time limit came from: problem.yaml, .timelimit, --time, or submissions (derived: src/problem/time-limit.ts). */
  timeLimitFrom: z.string(),
  /** Limits lowered to caged's maxima, and the like: one line each. */
  notes: z.array(z.string()),
  /**
   * A package's own submission: whether it met what its package expects of it (2025-09 and
   * 2023-07: submissions/submissions.yaml and the folders' defaults; legacy: its folder, or
   * DOMjudge's `@EXPECTED_RESULTS@`); `unverified` when nothing failed but tests that were not
   * judged (after a rejection) could decide it. One line per requirement failed or open.
   */
  expectations: z
    .strictObject({
      status: z.enum(['met', 'failed', 'unverified']),
      failed: z.array(z.string()),
      unverified: z.array(z.string()),
      /** Where the expectation was read: `submissions.yaml`, `folder wrong_answer`, `@EXPECTED_RESULTS@ in a.c` (src/problem/expected-results.ts). */
      from: z.string().optional(),
    })
    .optional(),
});
export type ProblemInfo = z.output<typeof ProblemInfoSchema>;

export const JudgeResultSchema = z.strictObject({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  submissionId: z.string().nullable(),
  verdict: VerdictSchema,
  judge0: Judge0StatusSchema,
  message: z.string(),
  score: nonNegative,
  maxScore: nonNegative,
  language: z.strictObject({ id: z.string(), name: z.string(), version: z.string() }),
  image: z.strictObject({ name: z.string(), digest: z.string() }),
  compile: CompileResultSchema.optional(),
  tests: z.array(TestResultSchema),
  /**
   * A problem package's test groups, the root first; a JSON submission's `groups`, in its order
   * (optional, additive to version 1).
   */
  groups: z.array(GroupResultSchema).optional(),
  problem: ProblemInfoSchema.optional(),
  /**
   * The limits every test ran under, as applied: the asked (or default) ones after the language's
   * factors (a `python3` submission's CPU time × 2, docs/languages.md) (optional, additive to version 1).
   */
  limits: z.strictObject({ cpuTimeMs: nonNegative, wallTimeMs: nonNegative, memoryBytes: nonNegative }).optional(),
  timing: z.strictObject({
    /** From validation to the result, in ms. */
    totalMs: nonNegative,
    /** The compile step including the cache lookup, in ms (0 for interpreted languages). */
    compileMs: nonNegative,
  }),
  /**
   * How the limits were enforced, present only when no cgroup enforced them (the rootless worker's
   * rlimits-only mode, docs/rootless.md#rlimits-only): each is then a per-process rlimit, and an
   * allocation refused at the memory limit is a runtime error, not MLE (optional, additive to version 1).
   */
  enforcement: z
    .strictObject({
      memory: z.enum(['cgroup', 'rlimit']),
      cpu: z.enum(['cgroup', 'rlimit']),
      pids: z.enum(['cgroup', 'rlimit']),
    })
    .optional(),
});
export type JudgeResult = z.output<typeof JudgeResultSchema>;
