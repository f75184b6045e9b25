/**
 * Judge0's `command_line_arguments` as a list of arguments. Judge0 appends the string to the
 * language's run command and hands the line to a shell; caged passes arguments to the program
 * itself, with no shell. So the string is split as a POSIX shell splits words, quoting included:
 *
 *   - blanks (space, tab) separate words; a newline ends the line (only blanks may follow it);
 *   - '…' keeps everything up to the next ' literally;
 *   - "…" keeps everything literally but \" \\ \$ \` and \<newline>, which are unescaped;
 *   - \c outside quotes is c (\<newline> joins lines).
 *
 * What only a shell could do is refused, naming the character: expansions ($, `), globs
 * (* ? [), braces ({ }, bash expands {a,b}), a leading ~ or #, and operators (| & ; < > ( ));
 * quoted, they are plain characters.
 * An argument is never silently different from what the shell would have passed.
 */

/** A string a shell would not split into plain words. */
export class ShellWordsError extends Error {}

const BLANK = new Set([' ', '\t', '\n']);
const OPERATOR = new Set(['|', '&', ';', '<', '>', '(', ')']);
const GLOB = new Set(['*', '?', '[']);
/** Escapable inside double quotes (POSIX 2.2.3). */
const DQ_ESCAPES = new Set(['"', '\\', '$', '`', '\n']);

export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  /** A word is open (an empty '' or "" is a word too). */
  let open = false;
  let i = 0;
  const refuse = (what: string): never => {
    throw new ShellWordsError(`${what} at character ${i + 1} needs a shell, and caged runs the program without one (quote it)`);
  };
  while (i < line.length) {
    const c = line[i]!;
    if (BLANK.has(c)) {
      // A newline ends the shell's command: what follows it would be another command.
      if (c === '\n' && line.slice(i).trim() !== '') refuse('a newline (it ends the command)');
      if (open) words.push(word);
      word = '';
      open = false;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShellWordsError(`the single quote at character ${i + 1} is not closed`);
      word += line.slice(i + 1, end);
      open = true;
      i = end + 1;
    } else if (c === '"') {
      const start = i;
      i++;
      for (;;) {
        if (i >= line.length) throw new ShellWordsError(`the double quote at character ${start + 1} is not closed`);
        const d = line[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && DQ_ESCAPES.has(line[i + 1]!)) {
          if (line[i + 1] !== '\n') word += line[i + 1];
          i += 2;
          continue;
        }
        if (d === '$') refuse('"$" (an expansion)');
        if (d === '`') refuse('"`" (a command substitution)');
        word += d;
        i++;
      }
      open = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new ShellWordsError('the line ends with a lone backslash');
      if (line[i + 1] !== '\n') {
        word += line[i + 1];
        open = true;
      }
      i += 2;
    } else {
      if (c === '$') refuse('"$" (an expansion)');
      if (c === '`') refuse('"`" (a command substitution)');
      if (OPERATOR.has(c)) refuse(`"${c}" (a shell operator)`);
      if (GLOB.has(c)) refuse(`"${c}" (a file name pattern)`);
      if (c === '{' || c === '}') refuse(`"${c}" (a brace expansion)`);
      if (!open && c === '~') refuse('"~" (a home directory)');
      if (!open && c === '#') refuse('"#" (a comment)');
      word += c;
      open = true;
      i++;
    }
  }
  if (open) words.push(word);
  return words;
}
