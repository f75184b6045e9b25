/**
 * A problem package's static validator (2025-09 `static_validator/`): it judges the submission's
 * files, not a run of the submission. Built like an output validator (a job directory of its
 * own, the compile cache), then run once, after the submission compiled, in a container of its
 * own as
 *
 *     <its run command, by absolute path> language entry_point /feedback/ [static_validator_args…]
 *
 * Inside that container:
 *   - /box        the submission's compiled box as its tests see it (its files, its compiled
 *                 binaries, the package's included files): the working directory, as the format
 *                 asks, and nothing of the validator's; its writes vanish with the run;
 *   - /validator  the compiled validator, read-only: its run command names its files by absolute
 *                 path (runFrom), since its own directory is not its working directory;
 *   - /feedback   the feedback directory: a fresh empty directory, writable by it alone.
 * `language` is the format's code of the submission's language, `entry_point` its main class
 * (Java, Scala, Kotlin) or its entry file as caged names it in /box (`main.c` for one C file).
 * Exit 42 accepts, 43 rejects; judgemessage.txt, teammessage.txt, score.txt and
 * score_multiplier.txt are read as an output validator's (output-validator-feedback.ts);
 * anything else (another exit, a signal, a limit, a forbidden system call) is IE.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { JobContext } from './compile-step';
import { compileHelper } from './helper-program';
import { expandEnv } from './language-command';
import type { LanguageRegistry } from './languages';
import { validatorVerdict } from './output-validator';
import { planValidator, runFrom, type OutputValidatorSpec, type ValidatorLimitsConfig } from './output-validator-spec';
import type { JobPlan } from './plan';
import type { Checker, TestResult } from './schema';
import { skippedTest } from './result';
import { judge0Of } from './verdict';

/** What JudgeHooks.staticValidation asks: judge the submission's files instead of running its tests. */
export interface StaticValidationHook {
  /** The static validator, in the shape of a submission's `checker: {type: "validator"}`; `flags` are static_validator_args. */
  validator: Extract<Checker, { type: 'validator' }>;
  /** The format's code of the submission's language (its first argument). */
  languageCode: string;
}

export interface StaticValidationRequest {
  spec: OutputValidatorSpec;
  languageCode: string;
  entryPoint: string;
  /** Host path of the submission's compiled box and the read-only layers under it (TestRequest's). */
  box: string;
  boxLayers?: readonly string[];
  /** Size of the validator's job directory, in bytes. */
  diskBytes: number;
  /** Cap on the compiler's output in a message, in bytes. */
  reportBytes: number;
  /** The test's name in the result. */
  name: string | null;
}

/**
 * JudgeHooks.staticValidation for the Judge: the static validator (planned as an output
 * validator is) judges the compiled box of `plan`'s submission.
 */
export async function validateStatically(
  ctx: JobContext,
  hook: StaticValidationHook,
  plan: JobPlan,
  compiled: { box: string; boxLayers: readonly string[] | undefined },
  cfg: { registry: LanguageRegistry; limits: ValidatorLimitsConfig | undefined; diskBytes: number; reportBytes: number },
): Promise<StaticValidationOutcome> {
  return runStaticValidation(ctx, {
    spec: planValidator(hook.validator, cfg.registry, cfg.limits),
    languageCode: hook.languageCode,
    entryPoint: plan.language.mainClass ?? plan.language.sourceFile,
    box: compiled.box,
    ...(compiled.boxLayers ? { boxLayers: compiled.boxLayers } : {}),
    diskBytes: cfg.diskBytes,
    reportBytes: cfg.reportBytes,
    name: plan.submission.testcases[0]?.name ?? null,
  });
}

export type StaticValidationOutcome = { compiled: boolean } & ({ ok: true; test: TestResult } | { ok: false; message: string });

const CODE = '/validator';
const FEEDBACK = '/feedback';

export async function runStaticValidation(ctx: JobContext, req: StaticValidationRequest): Promise<StaticValidationOutcome> {
  const { spec } = req;
  const built = await compileHelper(ctx, {
    role: 'static validator',
    language: spec.language,
    files: spec.files,
    compileLimits: spec.compileLimits,
    diskBytes: req.diskBytes,
    reportBytes: req.reportBytes,
  });
  const compiled = built.compile?.ran ?? false;
  if (!built.ok) return { compiled, ok: false, message: built.message };
  try {
    const rootfs = await ctx.rootfsFor(spec.language);
    const feedback = path.join(built.job.path, `feedback-${crypto.randomBytes(4).toString('hex')}`);
    fs.mkdirSync(feedback, { mode: 0o700 });
    const layers = req.boxLayers ?? [];
    const memoryBytes = spec.runLimits.memoryBytes;
    const result = await ctx.runs.run({
      rootfs,
      box: { hostDir: req.box, mode: 'overlay', ...(layers.length ? { lowerDirs: layers } : {}) },
      binds: [
        { hostPath: built.job.box, target: CODE, kind: 'dir' },
        { hostPath: feedback, target: FEEDBACK, kind: 'dir', writable: true },
      ],
      cwd: '/box',
      // The format: feedback_dir ends with a separator.
      argv: [...runFrom(CODE, spec.language, memoryBytes, built.job.box), req.languageCode, req.entryPoint, `${FEEDBACK}/`, ...spec.flags],
      env: expandEnv(spec.language, { memoryBytes }),
      limits: spec.runLimits,
      label: `${ctx.label} static validator`,
    });
    const v = validatorVerdict(result, feedback);
    const message =
      v.verdict === 'AC'
        ? 'accepted by the static validator'
        : v.verdict === 'WA'
          ? 'rejected by the static validator'
          : 'static validator failure';
    const test: TestResult = {
      // The submission did not run: no output, no time, no memory of its own.
      ...skippedTest(0, { name: req.name }, message),
      verdict: v.verdict,
      judge0: judge0Of(v.verdict),
      points: v.verdict === 'AC' ? 1 : 0,
      checkerMessage: v.message,
      ...(v.teamMessage !== undefined ? { teamMessage: v.teamMessage } : {}),
      ...(v.score !== undefined ? { validatorScore: v.score } : {}),
      ...(v.multiplier !== undefined ? { validatorScoreMultiplier: v.multiplier } : {}),
      ...(v.rejectedWithScoreFile ? { validatorRejectedWithScoreFile: v.rejectedWithScoreFile } : {}),
    };
    return { compiled, ok: true, test };
  } finally {
    built.job.remove();
  }
}
