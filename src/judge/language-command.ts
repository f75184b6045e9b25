/**
 * The placeholders of a language's compile and run commands and env (docs/languages.md), expanded
 * for one step of one job. No shell is involved: `{sources}` becomes one argv element per
 * source, every other placeholder is replaced inside its element.
 *
 *   {sources}    the submission's files whose extension is one of the language's `extensions`
 *                or its sourceFile's (sourceExtensions), sorted by name (C++ with a header and
 *                two sources: both .cpp files); the `sourceFile` alone when none has; a run
 *                (expanded without the files) has the plan's (Language.sources)
 *   {entry}      the submission's entry: the language's `sourceFile`, or the file the
 *                submission's `entry` names (the plan sets it as the job's sourceFile)
 *   {entryStem}  `{entry}` without its extension
 *   {mainClass}  the class holding `main` (entry rules java-main / scala-main / kotlin-main, found by
 *                entry-point.ts at plan time), package-qualified
 *   {memoryMiB}  the memory limit of the step the command runs in, in MiB (the compile's for
 *                compile, the test's for run); env is expanded with the same step's limit
 *   {heapMiB}    {memoryMiB} minus the language's `heapReserveMiB`, at least a quarter of
 *                {memoryMiB}: the runtime's heap (-Xmx, --max-old-space-size, GOMEMLIMIT)
 */
import path from 'node:path';
import type { Language } from './languages';

const MiB = 2 ** 20;

export interface CommandContext {
  /** The memory limit of the step (bytes). */
  memoryBytes: number;
  /** The files in /box (names); absent for a program whose sources are not known here. */
  files?: readonly { name: string }[];
}

/** `{heapMiB}` of `language` under a memory limit of `memoryBytes`. */
export function heapMiB(language: Pick<Language, 'heapReserveMiB'>, memoryBytes: number): number {
  const mem = Math.floor(memoryBytes / MiB);
  return Math.max(Math.floor(mem / 4), mem - (language.heapReserveMiB ?? 0));
}

/**
 * The extensions of the language's sources: its `extensions`, and its sourceFile's when they lack
 * it (Prolog's `main.pl`: `.pl` tells Perl by name, but a Prolog submission's files have it too).
 */
export function sourceExtensions(language: Pick<Language, 'extensions' | 'sourceFile'>): string[] {
  const exts = [...(language.extensions ?? [])];
  const own = path.extname(language.sourceFile);
  return own && !exts.includes(own) ? [...exts, own] : exts;
}

/** The sources `{sources}` stands for. */
export function sourcesOf(
  language: Pick<Language, 'extensions' | 'sourceFile' | 'sources'>,
  files: readonly { name: string }[] | undefined,
): string[] {
  if (!files) return language.sources ? [...language.sources] : [language.sourceFile];
  const exts = sourceExtensions(language);
  const names = files.map((f) => f.name).filter((n) => exts.includes(path.extname(n)));
  return names.length ? names.sort() : [language.sourceFile];
}

/** Whether the language's commands name its sources (`{sources}`: C, C++, Go… compile every file given). */
export function takesSources(language: Pick<Language, 'compile' | 'run'>): boolean {
  return [...(language.compile ?? []), ...language.run].includes('{sources}');
}

/**
 * Whether the language's commands name the entry (`{entry}`, `{entryStem}`): when they do not
 * (C, C++, Go…: `{sources}` compiles every file), a multi-file submission needs no file chosen
 * and renamed as its entry.
 */
export function takesEntry(language: Pick<Language, 'compile' | 'run' | 'env'>): boolean {
  const words = [...(language.compile ?? []), ...language.run, ...Object.values(language.env)];
  return words.some((w) => w.includes('{entry}') || w.includes('{entryStem}'));
}

function values(language: Language, ctx: CommandContext): Record<string, string> {
  const entry = language.sourceFile;
  const stem = entry.replace(/\.[^.]*$/, '');
  const mem = Math.floor(ctx.memoryBytes / MiB);
  return {
    entry,
    entryStem: stem,
    mainClass: language.mainClass ?? stem,
    memoryMiB: String(mem),
    heapMiB: String(heapMiB(language, ctx.memoryBytes)),
  };
}

function replace(text: string, v: Record<string, string>): string {
  return text.replace(/\{([A-Za-z]+)\}/g, (m, name: string) => v[name] ?? m);
}

/** `argv` (the language's compile or run command) with its placeholders expanded. */
export function expandArgv(language: Language, argv: readonly string[], ctx: CommandContext): string[] {
  const v = values(language, ctx);
  return argv.flatMap((a) => (a === '{sources}' ? sourcesOf(language, ctx.files) : [replace(a, v)]));
}

/** The language's env (the image's with the language's on top) with {memoryMiB} and {heapMiB} expanded. */
export function expandEnv(language: Language, ctx: CommandContext): Record<string, string> {
  const v = values(language, ctx);
  return Object.fromEntries(Object.entries(language.env).map(([k, s]) => [k, replace(s, v)]));
}
