/**
 * From a submission to a job plan: validation with the submission schema (every bad field
 * reported with its path, never retried; done once per job: the worker's gate parses, and
 * `planSubmission` takes its result), the language, the source files, the limits of each
 * step (requests above the maxima refused with the field named), the compiler options (an
 * allow-list per compiler family: compiler-options.ts) and the checker.
 */
import { InvalidRequestError } from '../errors';
import type { RunLimits } from '../sandbox/types';
import type { BuiltinChecker } from './checkers';
import type { CheckerProtocol } from './custom-checker';
import type { SourceFile } from './compile-step';
import { checkCompilerOptions } from './compiler-options';
import { inlineMaxScore } from './inline-groups';
import type { Language, LanguageRegistry } from './languages';
import { resolveLimits, type StepLimitsConfig } from './limits';
import { programFiles } from './program-files';
import { CheckedTestcaseSchema, type makeSubmissionSchema, type Submission, type Testcase } from './schema';
import { planValidator, problemProgram, type OutputValidatorSpec, type ValidatorLimitsConfig } from './output-validator-spec';
import type { z } from 'zod';
import { fieldIssues, INVALID_SUBMISSION, ROOT_FIELD } from '../wire/contract';

export interface JobPlan {
  submission: Submission;
  language: Language;
  files: SourceFile[];
  compilerOptions: string[];
  testLimits: RunLimits;
  compileLimits: RunLimits;
  checker:
    | { kind: 'builtin'; checker: BuiltinChecker }
    | {
        kind: 'custom';
        language: Language;
        files: SourceFile[];
        protocol: CheckerProtocol;
        feedback?: boolean;
        compilerOptions?: string[];
        args?: string[];
      }
    | { kind: 'validator'; spec: OutputValidatorSpec };
  /** Sum of the tests' points. */
  maxScore: number;
  /**
   * Why the submission cannot compile, found at plan: no class with `main` (or several) under an
   * entry rule (Java, Scala). Judged CE without running the compiler, as DOMjudge and Kattis do.
   */
  compileError?: string;
}

/**
 * The submission's source as DMOJ's Python checkers (`submission_source`) and custom judges
 * (`self.source`) are given it: its entry file (its one `source`); null when no file is named so
 * (C and C++ sources compiled together).
 */
export function submissionSource(plan: JobPlan): Buffer | null {
  return plan.files.find((f) => f.name === plan.language.sourceFile)?.content ?? null;
}

export interface PlanConfig {
  schema: ReturnType<typeof makeSubmissionSchema>;
  languages: LanguageRegistry;
  test: StepLimitsConfig;
  compile: StepLimitsConfig;
  /** Limits of an output validator's compile and runs (default: compile and checker limits). */
  validator?: ValidatorLimitsConfig;
}

/** Validates `raw` with zod; throws one InvalidRequestError listing every issue, on the first field. */
export function parseSubmission(raw: unknown, schema: PlanConfig['schema']): Submission {
  return parsedOrRefused(schema.safeParse(raw), '');
}

/** Validates one test case (CheckedTestcaseSchema), as parseSubmission does a submission's; fields named under `testcases`. */
export function parseTestcase(raw: unknown): Testcase {
  return parsedOrRefused(CheckedTestcaseSchema.safeParse(raw), 'testcases');
}

/** A parse's data, or one InvalidRequestError listing its issues (at most 20), on the first field. */
function parsedOrRefused<T>(parsed: { success: true; data: T } | { success: false; error: z.ZodError }, prefix: string): T {
  if (parsed.success) return parsed.data;
  const [first, ...rest] = fieldIssues(parsed.error, prefix).slice(0, 20);
  if (!first) throw new InvalidRequestError(INVALID_SUBMISSION, prefix || ROOT_FIELD);
  throw new InvalidRequestError(`${first.message}${rest.map((i) => `; ${i.field}: ${i.message}`).join('')}`, first.field);
}

/** A checker's or interactor's compilerOptions, checked against its compiler's allow-list. */
function helperOptions(cfg: PlanConfig, languageId: string, options: string[], field: string): string[] {
  checkCompilerOptions(cfg.languages.get(languageId, field.replace('compilerOptions', 'language')), options, field);
  return options;
}

/** Parses `raw` (parseSubmission), then plans it (planSubmission). */
export function planJob(raw: unknown, cfg: PlanConfig): JobPlan {
  return planSubmission(parseSubmission(raw, cfg.schema), cfg);
}

/** Plans a submission the schema has already parsed (the worker's gate, or `planJob`); checks what the schema cannot (languages, limits, options). */
export function planSubmission(s: Submission, cfg: PlanConfig): JobPlan {
  let language = cfg.languages.get(s.language, 'language');
  const compilerOptions = s.compilerOptions ?? [];
  checkCompilerOptions(language, compilerOptions);
  if (s.interactor?.compilerOptions) helperOptions(cfg, s.interactor.language, s.interactor.compilerOptions, 'interactor.compilerOptions');
  const program = programFiles(language, s);
  ({ language } = program);
  const { files, mainClassError: compileError } = program;
  const factors = s.languageFactors === false ? { ...language, timeFactor: 1, memoryFactor: 1 } : language;
  const testLimits = resolveLimits(s.limits, cfg.test, 'limits', factors);
  const compileLimits = resolveLimits(s.compileLimits, cfg.compile, 'compileLimits');
  const c = s.checker;
  const checker: JobPlan['checker'] =
    c.type === 'custom'
      ? {
          kind: 'custom',
          ...problemProgram(cfg.languages.get(c.language, 'checker.language'), c, 'checker.'),
          protocol: c.protocol,
          ...(c.feedback !== undefined ? { feedback: c.feedback } : {}),
          ...(c.compilerOptions ? { compilerOptions: helperOptions(cfg, c.language, c.compilerOptions, 'checker.compilerOptions') } : {}),
          ...(c.args ? { args: c.args } : {}),
        }
      : c.type === 'validator'
        ? { kind: 'validator', spec: planValidator(c, cfg.languages, cfg.validator) }
        : { kind: 'builtin', checker: c };
  const maxScore = s.groups ? inlineMaxScore(s.groups, s.testcases) : s.testcases.reduce((sum, t) => sum + t.points, 0);
  return {
    submission: s,
    language,
    files,
    compilerOptions,
    testLimits,
    compileLimits,
    checker,
    maxScore,
    ...(compileError ? { compileError } : {}),
  };
}
