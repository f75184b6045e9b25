import { sourceExtensions, takesEntry, takesSources } from '../judge/language-command';
import type { Language } from '../judge/languages';

/**
 * Judge0 language ids of caged's languages, by caged id: the one table a Judge0 client's
 * `language_id` is read through. Judge0 CE's ids (its `GET /languages` of version 1.13, and the
 * ids 91-105 that the hosted Judge0 CE added for newer compilers); the first id of each row is
 * the one caged lists, the others are other versions of the same language that Judge0 clients
 * may still send, judged by caged's version.
 *
 * Only the languages of the installed image are offered; a caged language without a row
 * (cpp20, pypy3, ada, awk, …) has no Judge0 id and is reachable through `POST /v1/jobs`.
 */
export const JUDGE0_LANGUAGE_IDS: Readonly<Record<string, readonly number[]>> = {
  c: [50, 48, 49, 75, 103, 104], // C (GCC 9.2.0), (GCC 7.4.0), (GCC 8.3.0), C (Clang 7.0.1), (GCC 14.1.0), (Clang 18.1.8): C judged by GCC
  cpp17: [54, 52, 53, 105], // C++ (GCC 9.2.0), (GCC 7.4.0), (GCC 8.3.0), (GCC 14.1.0: gnu++17, its default)
  'cpp-clang': [76], // C++ (Clang 7.0.1)
  python3: [71, 92, 100], // Python (3.8.1), (3.11.2), (3.12.5)
  python2: [70], // Python (2.7.17)
  java: [62, 91], // Java (OpenJDK 13.0.1), (JDK 17.0.6)
  javascript: [63, 93, 97, 102], // JavaScript (Node.js 12.14.0), (18.15.0), (20.17.0), (22.08.0)
  go: [60, 95], // Go (1.13.5), (1.18.5)
  rust: [73], // Rust (1.40.0)
  bash: [46], // Bash (5.0.0)
  csharp: [51], // C# (Mono 6.6.0.161)
  commonlisp: [55], // Common Lisp (SBCL 2.0.0)
  d: [56], // D (DMD 2.089.1)
  fortran: [59], // Fortran (GFortran 9.2.0)
  haskell: [61], // Haskell (GHC 8.8.1)
  lua: [64], // Lua (5.3.5)
  ocaml: [65], // OCaml (4.09.0)
  pascal: [67], // Pascal (FPC 3.0.4)
  php: [68, 98], // PHP (7.4.1), (8.3.11)
  prolog: [69], // Prolog (GNU Prolog 1.4.5)
  ruby: [72], // Ruby (2.7.0)
  r: [80, 99], // R (4.0.0), (4.4.1)
  scala: [81], // Scala (2.13.2)
  kotlin: [78], // Kotlin (1.3.70)
  perl: [85], // Perl (5.28.1)
  typescript: [74, 94, 101], // TypeScript (3.7.4), (5.0.3), (5.6.2)
  elixir: [57], // Elixir (1.9.4)
  erlang: [58], // Erlang (OTP 22.2)
  objectivec: [79], // Objective-C (Clang 7.0.1)
  cobol: [77], // COBOL (GnuCOBOL 2.2)
  nasm: [45], // Assembly (NASM 2.14.02)
  octave: [66], // Octave (5.1.0)
  sql: [82], // SQL (SQLite 3.27.2)
  clojure: [86], // Clojure (1.10.1)
  groovy: [88], // Groovy (3.0.3)
  plaintext: [43], // Plain Text
  multifile: [89], // Multi-file program: additional_files with compile and run scripts
  executable: [44], // Executable: the source is the program file (an ELF binary or a #! script)
};

/** Judge0's "Multi-file program": its language has no source, `additional_files` is the program (Judge0Language.project). */
export const JUDGE0_MULTI_FILE_PROGRAM = 89;

export interface Judge0Language {
  /** Judge0's id (the row's first). */
  id: number;
  /** caged's name of the language ("C (GCC 12.2.0, GNU17)"). */
  name: string;
  cagedId: string;
  sourceFile: string;
  /**
   * The file endings of which a multi-file submission compiles every file (`{sources}`: C, C++,
   * Go…), where Judge0 compiles only `sourceFile`; empty for a language whose commands name the
   * entry, or when the table was given no commands.
   */
  everySource: readonly string[];
  /**
   * Java: javac compiles the classes Main.java uses from beside it, as Judge0's `javac Main.java`
   * does, so an archive's `.java` files stay, and Main.java is named the entry (the file whose
   * class holds `main`) when files come with it.
   */
  sourceIsEntry: boolean;
  /**
   * Judge0's "Multi-file program" (JUDGE0_MULTI_FILE_PROGRAM): `additional_files` is the whole
   * program (its compile and run scripts find their files) and there is no source.
   */
  project: boolean;
}

/** What the table reads of a caged language: its commands when given, to know `everySource`. */
type LanguageRow = { id: string; name: string; sourceFile: string } & Partial<
  Pick<Language, 'compile' | 'run' | 'env' | 'extensions' | 'entry'>
>;

/** A row's commands, or null when the table was given none. */
function commandsOf(l: LanguageRow): Pick<Language, 'compile' | 'run' | 'env'> | null {
  return l.run ? { compile: l.compile ?? null, run: l.run, env: l.env ?? {} } : null;
}

function everySourceOf(l: LanguageRow): readonly string[] {
  const c = commandsOf(l);
  if (!c || l.entry === 'java-main') return [];
  return takesSources(c) && !takesEntry(c) ? sourceExtensions(l) : [];
}

/** The languages of an image that have a Judge0 id, and the lookup from any of their ids. */
export class Judge0Languages {
  private readonly byJudge0 = new Map<number, Judge0Language>();
  readonly list: readonly Judge0Language[];

  constructor(languages: readonly LanguageRow[]) {
    const list: Judge0Language[] = [];
    for (const l of languages) {
      const ids = JUDGE0_LANGUAGE_IDS[l.id];
      if (!ids?.length) continue;
      const entry = {
        id: ids[0]!,
        name: l.name,
        cagedId: l.id,
        sourceFile: l.sourceFile,
        everySource: everySourceOf(l),
        sourceIsEntry: l.entry === 'java-main',
        project: ids.includes(JUDGE0_MULTI_FILE_PROGRAM),
      };
      list.push(entry);
      for (const id of ids) this.byJudge0.set(id, entry);
    }
    this.list = list.sort((a, b) => a.id - b.id);
  }

  /** The language a Judge0 `language_id` names, or undefined. */
  get(judge0Id: number): Judge0Language | undefined {
    return this.byJudge0.get(judge0Id);
  }

  /** The Judge0 language of a caged language id, or undefined. */
  ofCaged(cagedId: string): Judge0Language | undefined {
    return this.list.find((l) => l.cagedId === cagedId);
  }

  /** The Judge0 id caged lists for a caged language id, or null. */
  idOf(cagedId: string): number | null {
    return this.ofCaged(cagedId)?.id ?? null;
  }
}
