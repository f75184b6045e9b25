/**
 * From a submission to a job plan: validation with the submission schema (every bad field
 * reported with its path, never retried; done once per job: the worker's gate parses, and
 * `planSubmission` takes its result), the language, the source files, the limits of each
 * step (requests above the maxima refused with the field named), the compiler options (an
 * allow-list per compiler family: compiler-options.ts) and the checker.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import type { RunLimits } from '../sandbox/types';
import type { BuiltinChecker } from './checkers';
import type { SourceFile } from './compile-step';
import { checkCompilerOptions } from './compiler-options';
import { entryAmong, findMainClass, singleSourceName } from './entry-point';
import { sourceExtensions, sourcesOf, takesEntry } from './language-command';
import { inlineMaxScore } from './inline-groups';
import type { Language, LanguageRegistry } from './languages';
import { resolveLimits, type StepLimitsConfig } from './limits';
import type { makeSubmissionSchema, Submission } from './schema';
import { planValidator, type OutputValidatorSpec, type ValidatorLimitsConfig } from './output-validator-spec';
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
    | { kind: 'custom'; language: Language; source: string }
    | { kind: 'validator'; spec: OutputValidatorSpec };
  /** Sum of the tests' points. */
  maxScore: number;
  /**
   * Why the submission cannot compile, found at plan: no class with `main` (or several) under an
   * entry rule (Java, Scala). Judged CE without running the compiler, as DOMjudge and Kattis do.
   */
  compileError?: string;
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
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const [first, ...rest] = fieldIssues(parsed.error).slice(0, 20);
  if (!first) throw new InvalidRequestError(INVALID_SUBMISSION, ROOT_FIELD);
  throw new InvalidRequestError(`${first.message}${rest.map((i) => `; ${i.field}: ${i.message}`).join('')}`, first.field);
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
  let files: SourceFile[];
  if (s.source !== undefined) {
    const content = Buffer.from(s.source, s.sourceEncoding === 'base64' ? 'base64' : 'utf8');
    files = [{ name: singleSourceName(language, content.toString('utf8')), content }];
  } else {
    files = (s.files ?? []).map((f) => ({ name: f.name, content: Buffer.from(f.content, f.encoding === 'base64' ? 'base64' : 'utf8') }));
    if (s.entry !== undefined) {
      // Named: {entry} is that file, its name kept; under an entry rule its main class wins.
      if (!language.entry && !takesEntry(language))
        throw new InvalidRequestError(`language ${language.id} compiles every source together and takes no entry`, 'entry');
      language = { ...language, sourceFile: s.entry };
    } else if (!language.entry && takesEntry(language)) {
      // The entry is sourceFile, or its stem with another of the language's extensions (main.mjs): {entry} names it.
      const entry = entryAmong(
        language,
        files.map((f) => f.name),
      );
      if (!entry)
        throw new InvalidRequestError(
          `must include the entry point ${JSON.stringify(language.sourceFile)} of language ${language.id}`,
          'files',
        );
      if (entry !== language.sourceFile) language = { ...language, sourceFile: entry };
    } else if (!language.entry) {
      // Commands that compile {sources} alone (C, C++…) need no entry, but one source at least.
      const exts = sourceExtensions(language);
      if (!files.some((f) => exts.includes(path.extname(f.name))))
        throw new InvalidRequestError(`holds no source of language ${language.id} (${exts.join(' ')})`, 'files');
    }
  }
  language = { ...language, sources: sourcesOf(language, files) };
  let compileError: string | undefined;
  if (language.entry) {
    try {
      language = { ...language, mainClass: findMainClass(language, files, s.source !== undefined ? 'source' : 'files', s.entry) };
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      compileError = err.field ? err.message.slice(err.field.length + 2) : err.message;
    }
  }
  const factors = s.languageFactors === false ? { ...language, timeFactor: 1, memoryFactor: 1 } : language;
  const testLimits = resolveLimits(s.limits, cfg.test, 'limits', factors);
  const compileLimits = resolveLimits(s.compileLimits, cfg.compile, 'compileLimits');
  const c = s.checker;
  const checker: JobPlan['checker'] =
    c.type === 'custom'
      ? { kind: 'custom', language: cfg.languages.get(c.language, 'checker.language'), source: c.source }
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
