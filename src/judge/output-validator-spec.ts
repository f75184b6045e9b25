/**
 * What an output validator is, before it is built: its language, its source files, its flags
 * and the limits of its compile and of each run. A JSON submission's `checker: {type:
 * "validator"}` becomes one here (planValidator); a problem package (src/problem/) makes the
 * same object from `output_validators/<name>/` and hands it to OutputValidator.prepare.
 */
import { InvalidRequestError } from '../errors';
import type { RunLimits } from '../sandbox/types';
import type { SourceFile } from './compile-step';
import type { Language, LanguageRegistry } from './languages';
import { checkerLimitsConfig, compileLimitsConfig, helperFactors, resolveLimits, type StepLimitsConfig } from './limits';
import type { Checker } from './schema';

export interface OutputValidatorSpec {
  language: Language;
  /** Written into the validator's box; one of them is the language's entry file. */
  files: SourceFile[];
  /** Appended after `input answer feedback_dir`, in order. */
  flags: string[];
  compileLimits: RunLimits;
  runLimits: RunLimits;
}

export interface ValidatorLimitsConfig {
  /** Defaults and maxima of the validator's compile; default the judge's compile limits. */
  compile?: StepLimitsConfig;
  /** Defaults and maxima of each validator run; default the checker limits. */
  run?: StepLimitsConfig;
}

/** A submission's `checker: {type: "validator"}` → a spec; a bad language, file set or limit names its field. */
export function planValidator(
  c: Extract<Checker, { type: 'validator' }>,
  languages: LanguageRegistry,
  cfg: ValidatorLimitsConfig = {},
): OutputValidatorSpec {
  const language = languages.get(c.language, 'checker.language');
  const files: SourceFile[] =
    c.source !== undefined
      ? [{ name: language.sourceFile, content: Buffer.from(c.source, 'utf8') }]
      : (c.files ?? []).map((f) => ({ name: f.name, content: Buffer.from(f.content, f.encoding === 'base64' ? 'base64' : 'utf8') }));
  if (!files.some((f) => f.name === language.sourceFile)) {
    throw new InvalidRequestError(
      `must include the entry point ${JSON.stringify(language.sourceFile)} of language ${language.id}`,
      'checker.files',
    );
  }
  return {
    language,
    files,
    flags: [...c.flags],
    compileLimits: resolveLimits(c.compileLimits, cfg.compile ?? compileLimitsConfig(), 'checker.compileLimits'),
    runLimits: resolveLimits(c.limits, cfg.run ?? checkerLimitsConfig(), 'checker.limits', helperFactors(language)),
  };
}
