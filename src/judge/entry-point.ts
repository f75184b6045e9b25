/**
 * Entry points of the JVM languages, found in the sources as DOMjudge and Kattis do: the
 * top-level class (Java) or object (Scala) that declares `main`, or the file class of the Kotlin
 * file with a top-level `fun main` (`Main.kt` → `MainKt`, or its `@file:JvmName`), qualified with
 * the file's package. A single Java source is saved as `<its public class>.java` (javac insists), so
 * `class Solution` in one file needs no renaming by the contestant.
 *
 * The scan is lexical: comments, string and character literals are blanked first, then braces
 * are counted. It only picks a name; javac/scalac still judge the program.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import type { SourceFile } from './compile-step';
import { sourceExtensions } from './language-command';
import type { Language } from './languages';

/** The text with comments and string/char literals replaced by spaces (newlines kept). */
export function blankCommentsAndStrings(src: string): string {
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    const d = src[i + 1];
    if (c === '/' && d === '/') {
      while (i < n && src[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (c === '/' && d === '*') {
      out += '  ';
      i += 2;
      while (i < n && !(src[i] === '*' && src[i + 1] === '/')) {
        out += src[i] === '\n' ? '\n' : ' ';
        i++;
      }
      out += '  ';
      i += 2;
    } else if (c === '"' && src.startsWith('"""', i)) {
      out += '   ';
      i += 3;
      while (i < n && !src.startsWith('"""', i)) {
        out += src[i] === '\n' ? '\n' : ' ';
        i++;
      }
      out += '   ';
      i += 3;
    } else if (c === '"' || (c === "'" && /^'(?:\\.|[^\\'\n])'/.test(src.slice(i, i + 8)))) {
      out += ' ';
      i++;
      while (i < n && src[i] !== c && src[i] !== '\n') {
        if (src[i] === '\\') {
          out += ' ';
          i++;
        }
        out += ' ';
        i++;
      }
      out += ' ';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

interface TopLevel {
  name: string;
  kind: string;
  header: string;
  body: string;
  isPublic: boolean;
}

/**
 * An identifier of Java (and of Scala and Kotlin, as the JVM names their classes): Java's
 * Character.isJavaIdentifierStart and isJavaIdentifierPart, letters of any script among them
 * (`public class нет`), as javac reads them.
 */
const IDENT_START = '[\\p{L}\\p{Nl}\\p{Sc}\\p{Pc}]';
const IDENT = `${IDENT_START}[\\p{L}\\p{Nl}\\p{Sc}\\p{Pc}\\p{Nd}\\p{Mn}\\p{Mc}]*`;
const PACKAGE = new RegExp(`^[ \\t]*package\\s+(${IDENT}(?:\\s*\\.\\s*${IDENT})*)`, 'mu');
/** A character a keyword cannot follow and still start a word: part of a name, or a qualifying dot. */
const AFTER_NAME = /[\p{L}\p{Nl}\p{Sc}\p{Pc}\p{Nd}\p{Mn}\p{Mc}.]/u;

/**
 * The package and the top-level type declarations of a Java, Scala or Kotlin source, in one pass
 * over the text: every search is anchored where it stands (sticky) or stops at the next
 * declaration, so that a hostile source of the wire's size cannot hold the worker (the plan runs
 * on its event loop). `text`: the source with its comments and strings blanked, as scanned.
 */
function scan(src: string): { pkg: string | null; types: TopLevel[]; text: string } {
  const text = blankCommentsAndStrings(src);
  const pkg = PACKAGE.exec(text)?.[1]?.replace(/\s+/g, '') ?? null;
  const types: TopLevel[] = [];
  const decl = new RegExp(`\\b(class|interface|enum|record|object|trait)\\s+(${IDENT})`, 'yu');
  let depth = 0;
  let i = 0;
  // Where the text since the last declaration, brace, `;` or line starts: a declaration's modifiers.
  let segment = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '{') depth++;
    else if (ch === '}') depth = Math.max(0, depth - 1);
    if (ch === '{' || ch === '}' || ch === ';' || ch === '\n') segment = i + 1;
    else if (depth === 0) {
      decl.lastIndex = i;
      const m = decl.exec(text);
      if (m && (i === 0 || !AFTER_NAME.test(text[i - 1]!))) {
        if (/^(?:class|interface|enum|record|object|trait)$/.test(m[2]!)) {
          // Kotlin's `enum class Color`, `enum interface`: the declaration is the second word's.
          i += m[1]!.length;
          continue;
        }
        const open = bodyStart(text, i + m[0].length);
        if (open === null) {
          // No body of its own (Kotlin's `data class P(val x: Int)`, Scala's `case class`): a
          // later declaration's brace is not its.
          i += m[0].length;
          segment = i;
          continue;
        }
        if (open < 0) break;
        let d = 0;
        let j = open;
        for (; j < text.length; j++) {
          if (text[j] === '{') d++;
          else if (text[j] === '}' && --d === 0) break;
        }
        types.push({
          kind: m[1]!,
          name: m[2]!,
          header: text.slice(i, open),
          body: text.slice(open + 1, j),
          isPublic: /\bpublic\b/.test(text.slice(segment, i)),
        });
        i = j + 1;
        segment = i;
        continue;
      }
    }
    i++;
  }
  return { pkg, types, text };
}

/** A keyword that starts another type declaration, anywhere in a header. */
const TYPE_WORD = /(?:class|interface|enum|record|object|trait)\b/y;
/** A keyword that starts another member, outside a header's parentheses (`class P(val x: Int)` has none). */
const MEMBER_WORD = /(?:fun|def|val|var)\b/y;

/**
 * The `{` that opens the body of the declaration whose header starts at `from`; null when the
 * header has none (another declaration starts first), -1 when the text ends first. It reads no
 * further than the next declaration, so that the headers of many declarations are read once.
 */
function bodyStart(text: string, from: number): number | null {
  let parens = 0;
  for (let j = from; j < text.length; j++) {
    const c = text[j]!;
    if (c === '{') return j;
    if (c === '(') parens++;
    else if (c === ')') parens = Math.max(0, parens - 1);
    else if (c >= 'a' && c <= 'z' && !AFTER_NAME.test(text[j - 1]!)) {
      TYPE_WORD.lastIndex = j;
      MEMBER_WORD.lastIndex = j;
      if (TYPE_WORD.test(text) || (parens === 0 && MEMBER_WORD.test(text))) return null;
    }
  }
  return -1;
}

/**
 * `text` outside every `open`…`close` pair (nested ones too): without its parenthesised parts,
 * or, for braces, the file's top level (newlines kept, so that a line stays a line).
 */
function outside(text: string, open: string, close: string): string {
  let out = '';
  let depth = 0;
  for (const c of text) {
    if (c === open) depth++;
    else if (c === close) depth = Math.max(0, depth - 1);
    else if (depth === 0 || c === '\n') out += c;
  }
  return out;
}

const JAVA_MAIN = /\b(?:public\s+(?:final\s+)?static|static\s+(?:final\s+)?public)\s+(?:final\s+)?void\s+main\s*\(/;
const SCALA_MAIN = /\bdef\s+main\s*\(/;
/** Kotlin's `main` in an object, or a class's companion object: it needs `@JvmStatic` to be the JVM's. */
const KOTLIN_STATIC_MAIN = /@JvmStatic\s+(?:(?:public|suspend)\s+)*fun\s+main\s*\(/;
/** Kotlin's top-level `main` (`fun main()`, `fun main(args: Array<String>)`, `suspend fun main`), in a file's top-level text. */
const KOTLIN_TOP_MAIN = /(?:^|[^\w$.])fun\s+main\s*\(/;
/** `@file:JvmName("Name")`: the file class's name instead of the one made from the file's. */
const KOTLIN_JVM_NAME = /^[ \t]*@file\s*:\s*JvmName\s*\(\s*"([A-Za-z_$][\w$]*)"\s*\)/m;

/**
 * The JVM class of a Kotlin file's top-level functions: its `@file:JvmName`, else kotlinc's name
 * for the file (Kotlin 2's NameUtils.getPackagePartClassNamePrefix): the stem with every
 * character that is neither a letter nor an ASCII digit made `_`; then `_` before a first digit,
 * or the first UTF-16 unit upper-cased (any letter: `élan.kt` → `ÉlanKt`, `ß` → `SS`); then `Kt`
 * (`hello-world.kt` → `Hello_worldKt`, `2sat.kt` → `_2satKt`).
 */
export function kotlinFileClass(fileName: string, source: string): string {
  const named = KOTLIN_JVM_NAME.exec(source)?.[1];
  if (named) return named;
  const stem = path.basename(fileName, path.extname(fileName)).replace(/[^\p{L}0-9]/gu, '_') || '_';
  const first = /^[0-9]/.test(stem) ? `_${stem}` : stem.charAt(0).toUpperCase() + stem.slice(1);
  return `${first}Kt`;
}

function hasMain(language: Language, t: TopLevel): boolean {
  if (language.entry === 'kotlin-main')
    return (t.kind === 'object' || (t.kind === 'class' && /\bcompanion\s+object\b/.test(t.body))) && KOTLIN_STATIC_MAIN.test(t.body);
  if (language.entry === 'scala-main') return t.kind === 'object' && (SCALA_MAIN.test(t.body) || /\bextends\s+App\b/.test(t.header));
  return t.kind !== 'object' && t.kind !== 'trait' && JAVA_MAIN.test(t.body);
}

/**
 * The name the entry `fileName` of a submission in `language` is saved under: the language's
 * `sourceFile`, or its stem with the file's own extension when that is another of the language's
 * (`main.mjs` for JavaScript: an ES module stays one).
 */
export function entryNameFor(language: Pick<Language, 'sourceFile' | 'extensions'>, fileName: string): string {
  const ext = path.extname(fileName);
  const own = path.extname(language.sourceFile);
  if (ext === own || !(language.extensions ?? []).includes(ext)) return language.sourceFile;
  return `${language.sourceFile.slice(0, language.sourceFile.length - own.length)}${ext}`;
}

/**
 * The entry among a submission's files: the language's `sourceFile`, else one named as
 * entryNameFor names an entry of another of its extensions (`main.mjs`); undefined when none is.
 */
export function entryAmong(language: Pick<Language, 'sourceFile' | 'extensions'>, names: readonly string[]): string | undefined {
  if (names.includes(language.sourceFile)) return language.sourceFile;
  const alternatives = names.filter((n) => n !== language.sourceFile && entryNameFor(language, n) === n);
  return alternatives.length === 1 ? alternatives[0] : undefined;
}

/**
 * The name a single source of `language` is saved under: for java-main the public top-level
 * class's `<Name>.java` when there is one (and it fits a file name: 255 bytes; else javac's
 * compile error says the class is in the wrong file), else the language's sourceFile.
 */
export function singleSourceName(language: Language, source: string): string {
  if (language.entry !== 'java-main') return language.sourceFile;
  const pub = scan(source).types.find((t) => t.isPublic);
  const name = pub ? `${pub.name}${path.extname(language.sourceFile)}` : language.sourceFile;
  return Buffer.byteLength(name) <= 255 ? name : language.sourceFile;
}

/** What each entry rule looks for, as its messages name it. */
const MAIN_KINDS: Record<NonNullable<Language['entry']>, string> = {
  'java-main': 'class with public static void main',
  'scala-main': 'object with def main (or extends App)',
  'kotlin-main': 'fun main (or object with @JvmStatic fun main)',
};

/**
 * `{mainClass}` of a submission under an entry rule: the one top-level type with `main` in the
 * language's sources; with several, the one in `sourceFile`. None, or several and none in
 * sourceFile, is the request's fault (refused on `field`, naming what was found). With an entry
 * `named` (the submission's `entry`), the one in that file, or refused on `entry`.
 */
export function findMainClass(language: Language, files: readonly SourceFile[], field: string, named?: string): string {
  const exts = sourceExtensions(language);
  const found: { qualified: string; file: string }[] = [];
  for (const f of files) {
    if (!exts.includes(path.extname(f.name))) continue;
    const source = f.content.toString('utf8');
    const { pkg, types, text } = scan(source);
    const qualify = (name: string) => (pkg ? `${pkg}.${name}` : name);
    for (const t of types) if (hasMain(language, t)) found.push({ qualified: qualify(t.name), file: f.name });
    if (language.entry === 'kotlin-main' && KOTLIN_TOP_MAIN.test(outside(text, '{', '}')))
      found.push({ qualified: qualify(kotlinFileClass(f.name, source)), file: f.name });
  }
  const what = MAIN_KINDS[language.entry ?? 'java-main'];
  if (named !== undefined) {
    const inEntry = found.filter((c) => c.file === named);
    if (inEntry.length === 1) return inEntry[0]!.qualified;
    throw new InvalidRequestError(`${inEntry.length ? 'more than one' : 'no'} top-level ${what} in the entry ${named}`, 'entry');
  }
  const only = found.length === 1 ? found[0] : found.find((c) => c.file === language.sourceFile);
  if (only) return only.qualified;
  throw new InvalidRequestError(
    found.length === 0
      ? `no top-level ${what} in the ${language.id} sources`
      : `more than one top-level ${what}: ${found.map((c) => `${c.qualified} (${c.file})`).join(', ')}; name the entry file ${language.sourceFile}`,
    field,
  );
}
