/**
 * The language registry: languages are data. Each comes from an entry of the image manifest
 * (written by images/lib/image-tool.js from images/languages/<id>/language.json), so adding a
 * language is a manifest entry plus its self-test; no code here changes.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';

/** One language entry of the image manifest (the fields the judge reads). */
export interface ManifestLanguage {
  id: string;
  name: string;
  version: string;
  /** The file the submission's source is written to in /box ("main.cpp"). */
  sourceFile: string;
  /** Compile command, run in /box; null for interpreted languages. */
  compile: readonly string[] | null;
  /** Command that runs the program (or the checker, with its three file arguments appended). */
  run: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Multiplies the CPU and wall time limits (slow runtimes), ≥ 1 normally. */
  timeFactor: number;
  /** Multiplies the memory limit (runtimes with a large footprint). */
  memoryFactor: number;
  /** Source extensions (`.cpp`, `.cc`): `{sources}`, and detection by file name when `detect` is not false. */
  extensions?: readonly string[];
  /** False: the extensions do not select this language (a second compiler of them). */
  detect?: boolean;
  /** Entry rule beyond `sourceFile` (src/judge/entry-point.ts). */
  entry?: 'java-main' | 'scala-main' | 'kotlin-main';
  /** A source this regular expression finds (flags `im`) is a library, never a directory's entry (Pascal's `unit`). */
  library?: string;
  /** `{heapMiB}` = memory limit − this (language-command.ts). */
  heapReserveMiB?: number;
  /** stderr lines of the runtime's own out-of-memory: RE with one of them is MLE (run-verdict.ts). */
  memoryErrorMarkers?: readonly string[];
  /** Floor on the open-file limit of its runs (limits.ts). */
  openFiles?: number;
  /** When set, RLIMIT_AS = the memory limit (after memoryFactor) + this many MiB (src/judge/limits.ts). */
  addressSpaceGraceMiB?: number;
  /** Its runtime reserves far more address space than it uses: it cannot start under RLIMIT_AS (rlimits only). */
  reservesAddressSpace?: boolean;
  /** The image layer the language needs (layered images). */
  layer?: string;
  /** Other layers its jobs mount with it (src/rootfs/layers.ts layerStack). */
  withLayers?: readonly string[];
}

/** The parts of an image manifest the registry needs (src/rootfs/manifest.ts holds the full schema). */
export interface ManifestForLanguages {
  name: string;
  env: Readonly<Record<string, string>>;
  languages: readonly ManifestLanguage[];
}

/** A language ready to use: its environment is the image's with the language's on top. */
export interface Language extends ManifestLanguage {
  env: Readonly<Record<string, string>>;
  /** `{mainClass}`: set by the plan for a submission under an entry rule (entry-point.ts). */
  mainClass?: string;
  /**
   * `{sources}` of a submission: set by the plan from its files, for the commands expanded
   * without them (the run: Prolog loads every source).
   */
  sources?: readonly string[];
}

/** What `caged languages` and `judge.languages()` show. */
export interface LanguageInfo {
  id: string;
  name: string;
  version: string;
  compiled: boolean;
  sourceFile: string;
  extensions: readonly string[];
  /** Whether the extensions select this language (`caged run FILE`). */
  detect: boolean;
  layer: string | null;
  /** The other layers its jobs mount (`withLayers`), or none. */
  withLayers: readonly string[];
  timeFactor: number;
  memoryFactor: number;
  /** Its runtime reserves address space (`reservesAddressSpace`): only a worker with a cgroup runs it. */
  needsCgroup: boolean;
  /** Why this worker refuses it (`get` throws this), or null: it runs here. */
  refused: string | null;
}

/** Why a worker with rlimits only refuses a language whose runtime reserves address space (`reservesAddressSpace`). */
export const RLIMITS_ONLY_REFUSAL =
  'it has no cgroup and limits memory by RLIMIT_AS alone (CAGED_RLIMITS_ONLY=yes), under which a runtime that reserves address space ' +
  'cannot start; judge such a language on a worker with a cgroup (docs/rootless.md#rlimits-only)';

/**
 * The warning a worker logs at its start when it refuses languages of its image (on rlimits only:
 * the runtimes that reserve address space), or null when it serves them all: every worker of a
 * queue must serve the same languages, so an operator is told at once, not at the first job.
 */
export function refusalWarning(languages: readonly Pick<LanguageInfo, 'id' | 'refused'>[]): { refused: string[]; message: string } | null {
  const refused = languages.filter((l) => l.refused !== null).map((l) => l.id);
  if (refused.length === 0) return null;
  return { refused, message: `this worker refuses ${refused.length} languages (${refused.join(', ')}): ${RLIMITS_ONLY_REFUSAL}` };
}

/** The bad request for a language this worker refuses, `refused` being its LanguageInfo's. */
export function languageRefused(id: string, refused: string, field?: string): InvalidRequestError {
  return new InvalidRequestError(`language ${JSON.stringify(id)} ${refused}`, field);
}

/**
 * Whether a source's first line is a `#!` line naming Python 2 (problemtools' rule:
 * `^#!.*python2\b`): a `.py` file that is a Python 2 program, judged by `python2` (PYTHON2), never
 * as Python 3 by its extension.
 */
export function namesPython2(source: string): boolean {
  const nl = source.indexOf('\n');
  return /^#!.*python2\b/.test(nl < 0 ? source : source.slice(0, nl));
}

/** caged's Python 2 (CPython 2.7, the python2 layer), which judges every Python 2 program. */
export const PYTHON2 = 'python2';

/**
 * The language of `name`, a Python 2 program: `python2` from `language` (the image's languages,
 * as a submission's language is looked up); an image without it refuses the program on `field`
 * rather than judge it as Python 3.
 */
export function python2Of<L>(language: (id: string, field: string) => L, name: string, field: string): L {
  try {
    return language(PYTHON2, field);
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err;
    throw new InvalidRequestError(`${name} is a Python 2 program, and this worker's image has no python2 (${err.message})`, field);
  }
}

export class LanguageRegistry {
  private readonly byId: ReadonlyMap<string, Language>;
  /** Ids caged's language table knows but this image does not carry (language-table.ts). */
  private readonly notInstalled: ReadonlySet<string>;

  /**
   * `rlimitsOnly`: the worker limits memory by RLIMIT_AS alone (no cgroup: docs/rootless.md),
   * under which a language that reserves address space (`reservesAddressSpace`) cannot start.
   */
  constructor(
    languages: readonly Language[],
    knownIds: readonly string[] = [],
    private readonly rlimitsOnly = false,
  ) {
    this.byId = new Map(languages.map((l) => [l.id, l]));
    this.notInstalled = new Set(knownIds.filter((id) => !this.byId.has(id)));
  }

  static fromManifest(manifest: ManifestForLanguages, knownIds: readonly string[] = [], rlimitsOnly = false): LanguageRegistry {
    return new LanguageRegistry(
      manifest.languages.map((l) => ({ ...l, env: { ...manifest.env, ...l.env } })),
      knownIds,
      rlimitsOnly,
    );
  }

  /**
   * The language `id`; an unknown id, or one whose layer this worker's image lacks, is the
   * request's fault (never retried: every worker of a queue serves the same languages),
   * reported on `field`. So is a language that reserves address space on a worker limiting
   * memory by rlimits only: its runtime would fail to start, and a correct program would be
   * judged CE or RE for it.
   */
  get(id: string, field = 'language'): Language {
    const lang = this.byId.get(id);
    if (!lang) {
      const installed = [...this.byId.keys()].join(', ');
      if (this.notInstalled.has(id))
        throw new InvalidRequestError(`language ${JSON.stringify(id)} is not installed on this worker (installed: ${installed})`, field);
      throw new InvalidRequestError(`unknown language ${JSON.stringify(id)} (known: ${installed})`, field);
    }
    const refused = this.refusalOf(lang);
    if (refused !== null) throw languageRefused(id, refused, field);
    return lang;
  }

  /** Why this worker cannot run `lang`, or null. */
  private refusalOf(lang: Language): string | null {
    return this.rlimitsOnly && lang.reservesAddressSpace ? `cannot run on this worker: ${RLIMITS_ONLY_REFUSAL}` : null;
  }

  /**
   * The language a file name selects by its extension (case-sensitive first, `.C` is C++, then
   * lowercased); an unknown extension is refused naming it and the known ones.
   */
  ofFile(file: string, field = 'file'): Language {
    const ext = path.extname(file);
    const detecting = [...this.byId.values()].filter((l) => l.detect !== false);
    const found =
      detecting.find((l) => (l.extensions ?? []).includes(ext)) ?? detecting.find((l) => (l.extensions ?? []).includes(ext.toLowerCase()));
    if (found) return found;
    const known = [...new Set(detecting.flatMap((l) => l.extensions ?? []))].sort().join(' ');
    throw new InvalidRequestError(
      known
        ? `unknown extension ${JSON.stringify(ext || '(none)')} of ${file} (known: ${known}); give the language`
        : `cannot tell the language of ${file}: the image's manifest lists no extensions (built before languages had them: rebuild it with npm run image:build); give the language`,
      field,
    );
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  list(): LanguageInfo[] {
    return [...this.byId.values()].map((l) => ({
      id: l.id,
      name: l.name,
      version: l.version,
      compiled: l.compile !== null,
      sourceFile: l.sourceFile,
      extensions: l.extensions ?? [],
      detect: l.detect !== false,
      layer: l.layer ?? null,
      withLayers: l.withLayers ?? [],
      timeFactor: l.timeFactor,
      memoryFactor: l.memoryFactor,
      needsCgroup: l.reservesAddressSpace === true,
      refused: this.refusalOf(l),
    }));
  }
}
