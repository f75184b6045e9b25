/**
 * A DMOJ bridged checker's or interactor's own arguments (init.yml's `args_format_string`):
 * DMOJ fills the string with Python's `str.format` (fields `input_file`, `output_file`,
 * `answer_file`, each a shell-quoted path) and splits it with `shlex.split` (checkers/bridged.py,
 * graders/bridged.py). The paths caged passes hold no character the shell would quote, so the
 * string can be split first: the wire's `args` are its words, each still in Python's format
 * syntax (`{input_file}`, `{{` and `}}` for braces), filled per run by formatDmojArg.
 */

/** The fields a format string may name. */
export const DMOJ_ARG_FIELDS = ['input_file', 'output_file', 'answer_file'] as const;
export type DmojArgPaths = Record<(typeof DMOJ_ARG_FIELDS)[number], string>;

/** Why `text` is no format string of DMOJ's fields (a field of another name, a conversion, a lone brace), or null. */
export function dmojFormatError(text: string): string | null {
  try {
    formatDmojArg(text, { input_file: '', output_file: '', answer_file: '' });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** `word` with its fields filled in and its doubled braces single, as Python's str.format; throws on what it refuses. */
export function formatDmojArg(word: string, paths: DmojArgPaths): string {
  let out = '';
  for (let i = 0; i < word.length; i++) {
    const c = word[i]!;
    if (c === '}') {
      if (word[i + 1] !== '}') throw new Error("single '}' encountered in the format string");
      out += '}';
      i++;
    } else if (c === '{') {
      if (word[i + 1] === '{') {
        out += '{';
        i++;
        continue;
      }
      const end = word.indexOf('}', i + 1);
      if (end < 0) throw new Error("single '{' encountered in the format string");
      const field = word.slice(i + 1, end);
      if (!(DMOJ_ARG_FIELDS as readonly string[]).includes(field))
        throw new Error(`{${field}} is none of {input_file}, {output_file}, {answer_file}`);
      out += paths[field as keyof DmojArgPaths];
      i = end;
    } else out += c;
  }
  return out;
}

/**
 * Python's `shlex.split(text)` (POSIX mode, no comments): words split on blanks; `'…'` literal;
 * `"…"` where a backslash escapes only `"` and `\`; a backslash outside quotes escapes the next
 * character; `''` is an empty word. An unclosed quote or a final backslash is refused, as
 * shlex raises. (Judge0's command_line_arguments are a shell's words instead, with its own
 * escapes and refusals: src/judge0/shell-words.ts.)
 */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let i = 0;
  const blank = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  while (i < text.length) {
    const c = text[i]!;
    if (blank(c)) {
      if (word !== null) words.push(word);
      word = null;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error('no closing quotation');
      word = (word ?? '') + text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let got = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new Error('no closing quotation');
        const d = text[j]!;
        if (d === '"') break;
        if (d === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) {
          got += text[j + 1];
          j += 2;
        } else {
          got += d;
          j++;
        }
      }
      word = (word ?? '') + got;
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new Error('no escaped character');
      word = (word ?? '') + text[i + 1];
      i += 2;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  if (word !== null) words.push(word);
  return words;
}
