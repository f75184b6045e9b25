/**
 * `problem.yaml`, legacy, 2023-07 (`problem_format_version: 2023-07` or `2023-07-draft`, the
 * draft that became 2025-09) and 2025-09 (or `2025-09-draft`), read into one ProblemConfig. Every key of the format is known; any other is refused, naming
 * it. Metadata (author, credits, license, …) is accepted and not used.
 *
 * Limits, with the format's defaults where absent (units as in the format: seconds, MiB, KiB;
 * docs/judging.md has the table with the spec's text behind each):
 *   time_multiplier 5 / time_safety_margin 2 (legacy), time_multipliers {ac_to_time_limit 2,
 *   time_limit_to_tle 1.5} and time_resolution 1 (2023-07): the time limit from the package's
 *   own submissions when none is given (time-limit.ts); legacy maps onto the 2023-07 names as
 *   problemtools does (time_multiplier = ac_to_time_limit, time_safety_margin =
 *   time_limit_to_tle) with a resolution of 1 s.
 *   time_limit (s, no default), memory 2048 MiB, output 8 MiB, code 128 KiB, compilation_time
 *   60 s, compilation_memory 2048 MiB, validation_time 60 s, validation_memory 2048 MiB,
 *   validation_output 8 MiB (the spec's "typical system default" column), validation_passes 2.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../errors';
import { checkYaml, parseYaml, yamlBoolean } from './yaml-file';
import { flagWords } from './default-validator';

const positive = z.number().positive().finite();
/** The 2023-07 multipliers: "optional float >= 1". */
const atLeastOne = z.number().min(1).finite();
const anything = z.unknown().optional();

const legacyLimits = z.strictObject({
  time_multiplier: positive.default(5),
  time_safety_margin: positive.default(2),
  time_limit: positive.optional(),
  memory: positive.default(2048),
  output: positive.default(8),
  code: positive.default(128),
  compilation_time: positive.default(60),
  compilation_memory: positive.default(2048),
  validation_time: positive.default(60),
  validation_memory: positive.default(2048),
  validation_output: positive.default(8),
  // Not in the legacy text, but read by DOMjudge with `validation: custom multi-pass` (its example hangman).
  validation_passes: z.number().int().min(2).default(2),
});

const modernLimits = z.strictObject({
  time_multipliers: z
    .strictObject({ ac_to_time_limit: atLeastOne.default(2), time_limit_to_tle: atLeastOne.default(1.5) })
    .default({ ac_to_time_limit: 2, time_limit_to_tle: 1.5 }),
  time_limit: positive.optional(),
  time_resolution: positive.default(1),
  memory: positive.default(2048),
  output: positive.default(8),
  code: positive.default(128),
  compilation_time: positive.default(60),
  compilation_memory: positive.default(2048),
  validation_time: positive.default(60),
  validation_memory: positive.default(2048),
  validation_output: positive.default(8),
  validation_passes: z.number().int().min(2).default(2),
});

const meta = {
  name: anything,
  uuid: anything,
  source: anything,
  license: anything,
  rights_owner: anything,
  keywords: anything,
  languages: anything,
};

/**
 * Legacy `grading`: `objective` (ProblemConfig.objective) is what the package's own
 * `partially_accepted` submissions are checked by; `show_test_data_groups` is accepted, not used; the keys
 * that earlier versions of the format kept here (`accept_score`, `reject_score`, `range`,
 * `on_reject`: first_error, worst_error or grade) set every test group's, over its
 * testdata.yaml, as problemtools still reads them (Kattis' older packages carry them).
 */
const legacyGrading = z
  .object({
    objective: z.enum(['min', 'max']).optional(),
    show_test_data_groups: yamlBoolean.optional(),
    accept_score: z.number().finite().optional(),
    reject_score: z.number().finite().optional(),
    range: z.union([z.string(), z.number()]).optional(),
    on_reject: z.enum(['first_error', 'worst_error', 'grade']).optional(),
  })
  .optional();

const legacySchema = z.strictObject({
  ...meta,
  problem_format_version: z.string().optional(),
  type: z.enum(['pass-fail', 'scoring']).default('pass-fail'),
  author: anything,
  source_url: anything,
  validation: z.string().default('default'),
  // An empty key (`validator_flags:`, YAML's null) is no flags, as BAPCtools and DOMjudge read it.
  validator_flags: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  grading: legacyGrading,
  limits: legacyLimits.default(legacyLimits.parse({})),
});

const modernType = z.enum(['pass-fail', 'scoring', 'interactive', 'multi-pass', 'submit-answer']);
/** A constant's name (2025-09: `[a-zA-Z_][a-zA-Z0-9_]*`) and value: a scalar, or a map with `value` and variants. */
const constantName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const scalar = z.union([z.string(), z.number().finite()]);
const constantsSchema = z.record(
  z.string().regex(constantName, 'a constant name is [a-zA-Z_][a-zA-Z0-9_]*'),
  z.union([scalar, z.record(z.string(), scalar)]),
);
const modernSchema = z.strictObject({
  ...meta,
  problem_format_version: z.string(),
  // A sequence, or one string; words separated by blanks are read as a sequence (the spec's
  // own examples write `type: pass-fail interactive`).
  type: z.union([z.string(), z.array(z.string()).min(1)]).default('pass-fail'),
  version: anything,
  credits: anything,
  // Legacy metadata that the format's own 2025-09 examples still carry: accepted, not used.
  source_url: anything,
  embargo_until: anything,
  languages: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  allow_file_writing: yamlBoolean.optional(),
  constants: constantsSchema.optional(),
  limits: modernLimits.default(modernLimits.parse({})),
});

/** The versions read as the modern format, and the name each is reported as. */
const MODERN_VERSIONS: Record<string, '2023-07' | '2025-09'> = {
  '2023-07': '2023-07',
  '2023-07-draft': '2023-07',
  '2025-09': '2025-09',
  '2025-09-draft': '2025-09',
};

/** `{{name}}` or `{{name.variant}}`: a constant sequence (2025-09). */
const CONSTANT_SEQUENCE = /\{\{([a-zA-Z_][a-zA-Z0-9_]*)(?:\.([a-zA-Z0-9_]+))?\}\}/g;

/** `data` with the problem's constants substituted, when it is UTF-8 text; other bytes unchanged. */
export function withConstants(data: Buffer, constants: ProblemConfig['constants']): Buffer {
  if (!Object.keys(constants).length || !data.includes('{{')) return data;
  const text = data.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(data)) return data;
  return Buffer.from(substituteConstants(text, constants), 'utf8');
}

/**
 * `text` with every constant sequence of a defined constant (and variant) replaced by its value;
 * one of an undefined name or variant is left as it is, as the format says.
 */
export function substituteConstants(text: string, constants: ProblemConfig['constants']): string {
  if (!Object.keys(constants).length) return text;
  return text.replace(CONSTANT_SEQUENCE, (all, name: string, variant: string | undefined) => {
    const c = Object.hasOwn(constants, name) ? constants[name] : undefined;
    const v = c && Object.hasOwn(c, variant ?? 'value') ? c[variant ?? 'value'] : undefined;
    return v === undefined ? all : String(v);
  });
}

/** What legacy problem.yaml's `grading` sets in every test group, in testdata.yaml's terms. */
export interface LegacyGrading {
  acceptScore?: number;
  rejectScore?: number;
  range?: string;
  onReject?: 'break' | 'continue';
}

/** The Kattis problem package format's versions. */
export type KattisFormat = 'legacy' | '2023-07' | '2025-09';

export interface ProblemConfig {
  /**
   * `polygon`: a Polygon package's problem.xml read into these terms (polygon-package.ts);
   * `dmoj`: a DMOJ problem's init.yml (dmoj-package.ts); `cms`: a CMS task's task.yaml
   * (cms-package.ts).
   */
  format: KattisFormat | 'polygon' | 'dmoj' | 'cms';
  name: string;
  scoring: boolean;
  /** The package format's codes of the languages a submission may be in (`languages:`); null: all. */
  languages: string[] | null;
  /** 2025-09 `constants`: name → variant (`value` always) → text. */
  constants: Record<string, Record<string, string>>;
  /**
   * Whether submissions may write files in their working directory (2023-07 and 2025-09
   * `allow_file_writing`, default false). Legacy packages have no such key and get false, as
   * on Kattis and DOMjudge.
   */
  allowFileWriting: boolean;
  /**
   * File input and output (the wire's `fileIo`): Polygon's `judging input-file`/`output-file`.
   * Absent: standard input and output, as every other format judges.
   */
  fileIo?: { input?: string; output?: string; stdin?: boolean };
  /** What caged cannot judge yet in a package (empty: judgeable). */
  unsupported: string[];
  /**
   * How output is validated: `default` (the default output validator), `custom` (the package's
   * output validator on each test's output), `interactive` (the validator is the interactor),
   * `multi-pass` (interactive or not, the validator may ask for another pass). `customScore`:
   * the validator's score.txt is the test's score (legacy `custom score`, 2023-07 scoring).
   */
  validation: { kind: 'default' | 'custom' | 'interactive' | 'multi-pass'; interactive: boolean; customScore: boolean };
  /** Words of the problem-wide default validator flags (legacy `validator_flags`). */
  validatorFlags: string[];
  /** Legacy: problem.yaml's grading keys that set every test group's (legacyGrading above); null when none. */
  legacyGrading: LegacyGrading | null;
  /**
   * Legacy `grading: objective`: whether the best score is the top of the range (`max`, the
   * default, and always in 2023-07 and 2025-09, which dropped the key) or its bottom (`min`, a
   * minimisation problem). It decides only what a `partially_accepted` submission must not
   * score (expected-results.ts); the scores themselves are graded alike.
   */
  objective: 'max' | 'min';
  limits: {
    /** Seconds; null when problem.yaml gives none. */
    timeLimitS: number | null;
    memoryMiB: number;
    outputMiB: number;
    codeKiB: number;
    compilationTimeS: number;
    compilationMemoryMiB: number;
    validationTimeS: number;
    validationMemoryMiB: number;
    validationOutputMiB: number;
    validationPasses: number;
    /** The keys problem.yaml's `limits` sets; the others are the format's defaults. */
    given: readonly string[];
    /** How a time limit is derived from the submissions (time-limit.ts); legacy names mapped. */
    timing: { acToTimeLimit: number; timeLimitToTle: number; resolutionS: number };
  };
}

/** The limits both formats share, in ProblemConfig's names; `passes`: validation passes. */
function limitsOf(
  l: z.infer<typeof legacyLimits> | z.infer<typeof modernLimits>,
  passes: number,
  timing: ProblemConfig['limits']['timing'],
  raw: object,
): ProblemConfig['limits'] {
  const given = (raw as { limits?: unknown }).limits;
  return {
    timing,
    given: given && typeof given === 'object' ? Object.keys(given) : [],
    timeLimitS: l.time_limit ?? null,
    memoryMiB: l.memory,
    outputMiB: l.output,
    codeKiB: l.code,
    compilationTimeS: l.compilation_time,
    compilationMemoryMiB: l.compilation_memory,
    validationTimeS: l.validation_time,
    validationMemoryMiB: l.validation_memory,
    validationOutputMiB: l.validation_output,
    validationPasses: passes,
  };
}

function nameOf(v: unknown, fallback: string): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const m = v as Record<string, unknown>;
    const first = m.en ?? Object.values(m)[0];
    if (typeof first === 'string') return first;
  }
  return fallback;
}

/** Reads problem.yaml's text. `hasCustomValidator`: the package has `output_validator/` (2023-07's sign of a custom one). */
export function readProblemYaml(text: string, fallbackName: string, hasCustomValidator: boolean): ProblemConfig & { format: KattisFormat } {
  const raw = parseYaml(text, 'problem.yaml');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidRequestError('must be a map', 'problem.yaml');
  const version = (raw as Record<string, unknown>).problem_format_version;
  if (version === undefined || version === 'legacy' || version === 'legacy-icpc') {
    const p = checkYaml(legacySchema, raw, 'problem.yaml');
    const words = flagWords(p.validation);
    const unsupported: string[] = [];
    if (words[0] !== 'default' && words[0] !== 'custom')
      throw new InvalidRequestError(`validation: must be default or custom [interactive] [score] (got ${p.validation})`, 'problem.yaml');
    if (words[0] === 'default' && words.length > 1)
      throw new InvalidRequestError(`validation: "default" takes no options (got ${p.validation})`, 'problem.yaml');
    for (const w of words.slice(1))
      if (!['interactive', 'score', 'multi-pass'].includes(w))
        throw new InvalidRequestError(`validation: unknown option ${JSON.stringify(w)}`, 'problem.yaml');
    const interactive = words.includes('interactive');
    const multiPass = words.includes('multi-pass');
    const validation: ProblemConfig['validation'] = {
      kind: words[0] === 'default' ? 'default' : multiPass ? 'multi-pass' : interactive ? 'interactive' : 'custom',
      interactive,
      customScore: words.includes('score'),
    };
    const l = p.limits;
    const g = p.grading;
    if (g?.on_reject === 'grade' && p.type !== 'scoring')
      throw new InvalidRequestError('grading: on_reject: grade is for scoring problems (this one is pass-fail)', 'problem.yaml');
    const legacyGrading: LegacyGrading = {
      ...(g?.accept_score !== undefined ? { acceptScore: g.accept_score } : {}),
      ...(g?.reject_score !== undefined ? { rejectScore: g.reject_score } : {}),
      ...(g?.range !== undefined ? { range: String(g.range) } : {}),
      // worst_error was the default: it sets nothing.
      ...(g?.on_reject === 'first_error'
        ? { onReject: 'break' as const }
        : g?.on_reject === 'grade'
          ? { onReject: 'continue' as const }
          : {}),
    };
    return {
      format: 'legacy',
      name: nameOf(p.name, fallbackName),
      scoring: p.type === 'scoring',
      languages: typeof p.languages === 'string' && p.languages.trim() !== 'all' ? flagWords(p.languages) : null,
      constants: {},
      allowFileWriting: false,
      unsupported,
      validation,
      validatorFlags: flagWords(p.validator_flags),
      legacyGrading: Object.keys(legacyGrading).length ? legacyGrading : null,
      objective: g?.objective ?? 'max',
      limits: limitsOf(
        l,
        l.validation_passes,
        { acToTimeLimit: l.time_multiplier, timeLimitToTle: l.time_safety_margin, resolutionS: 1 },
        raw,
      ),
    };
  }
  const format = typeof version === 'string' && Object.hasOwn(MODERN_VERSIONS, version) ? MODERN_VERSIONS[version]! : null;
  if (!format)
    throw new InvalidRequestError(
      `problem_format_version: unknown version ${JSON.stringify(version)} (legacy, legacy-icpc, 2023-07, 2025-09)`,
      'problem.yaml',
    );
  const p = checkYaml(modernSchema, raw, 'problem.yaml');
  const types = Array.isArray(p.type) ? p.type : flagWords(p.type);
  for (const t of types)
    if (!modernType.safeParse(t).success)
      throw new InvalidRequestError(`type: unknown type ${JSON.stringify(t)} (${modernType.options.join(', ')})`, 'problem.yaml');
  if (new Set(types).size !== types.length) throw new InvalidRequestError('type: a type is repeated', 'problem.yaml');
  for (const [a, b] of [
    ['pass-fail', 'scoring'],
    ['multi-pass', 'submit-answer'],
    ['interactive', 'submit-answer'],
  ] as const)
    if (types.includes(a) && types.includes(b)) throw new InvalidRequestError(`type: ${a} and ${b} exclude each other`, 'problem.yaml');
  const languages = p.languages === undefined ? ['all'] : Array.isArray(p.languages) ? p.languages : [p.languages];
  const constants: ProblemConfig['constants'] = {};
  for (const [name, c] of Object.entries(p.constants ?? {})) {
    const variants = typeof c === 'object' ? c : { value: c };
    if (!Object.hasOwn(variants, 'value')) throw new InvalidRequestError(`constants.${name}: has no value`, 'problem.yaml');
    constants[name] = Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, String(v)]));
  }
  const unsupported: string[] = [];
  if (types.includes('submit-answer')) unsupported.push('type: submit-answer');
  const interactive = types.includes('interactive');
  const multiPass = types.includes('multi-pass');
  const scoring = types.includes('scoring');
  const validation: ProblemConfig['validation'] = {
    kind: multiPass ? 'multi-pass' : interactive ? 'interactive' : hasCustomValidator ? 'custom' : 'default',
    interactive,
    customScore: scoring && (interactive || multiPass || hasCustomValidator),
  };
  const l = p.limits;
  return {
    format,
    name: nameOf(p.name, fallbackName),
    scoring,
    languages: languages.includes('all') ? null : languages,
    constants,
    allowFileWriting: p.allow_file_writing ?? false,
    unsupported,
    validation,
    validatorFlags: [],
    legacyGrading: null,
    objective: 'max',
    limits: limitsOf(
      l,
      l.validation_passes,
      {
        acToTimeLimit: l.time_multipliers.ac_to_time_limit,
        timeLimitToTle: l.time_multipliers.time_limit_to_tle,
        resolutionS: l.time_resolution,
      },
      raw,
    ),
  };
}
