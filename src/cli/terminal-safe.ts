/**
 * Untrusted text on a terminal: the program's output, the compiler's, checker messages, file
 * names and error messages can hold escape sequences that clear the screen, move the cursor
 * over the real verdict, retitle the window or write the clipboard (OSC 52). Every
 * human-readable printout of the command line goes through `terminalSafe`, which shows each
 * control character as a visible escape instead:
 *
 * - C0 controls but `\n` and `\t` (ESC as `\x1b`, BEL as `\x07`, CR as `\r`: a CR would let a
 *   line overwrite itself), and DEL (`\x7f`);
 * - C1 controls U+0080–U+009F, shown as `\u0080`…`\u009f` (U+009B is a one-character CSI on
 *   some terminals);
 * - the bidirectional embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069,
 *   which reorder what is shown (the "Trojan Source" trick).
 *
 * Linear in the text's length: one native scan when nothing needs escaping (the usual case),
 * otherwise two passes over its UTF-16 code units (the escaped length, then the copy into a
 * typed array): no backtracking, no per-match callback, no string built piece by piece.
 * `--json` output does not come here: JSON.stringify already escapes every C0 control.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const NAMED: Readonly<Record<number, string>> = { 0x0d: '\\r', 0x08: '\\b', 0x0c: '\\f', 0x0b: '\\v', 0x00: '\\0' };

/** The escape of each unsafe UTF-16 code unit (undefined: shown as it is). */
const ESCAPES: ReadonlyArray<string | undefined> = (() => {
  const table = new Array<string | undefined>(0x206a).fill(undefined);
  const put = (code: number): void => {
    table[code] = NAMED[code] ?? (code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  };
  for (let c = 0; c < 0x20; c++) if (c !== 0x0a && c !== 0x09) put(c);
  for (let c = 0x7f; c <= 0x9f; c++) put(c);
  for (let c = 0x202a; c <= 0x202e; c++) put(c);
  for (let c = 0x2066; c <= 0x2069; c++) put(c);
  return table;
})();

const utf16 = new TextDecoder('utf-16le');

/** `text` with every control character (but newline and tab) shown as a visible escape. */
export function terminalSafe(text: string): string {
  if (!UNSAFE.test(text)) return text;
  const n = text.length;
  let length = n;
  for (let i = 0; i < n; i++) {
    const e = ESCAPES[text.charCodeAt(i)];
    if (e !== undefined) length += e.length - 1;
  }
  const out = new Uint16Array(length);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const e = ESCAPES[c];
    if (e === undefined) {
      out[j++] = c;
    } else {
      for (let k = 0; k < e.length; k++) out[j++] = e.charCodeAt(k);
    }
  }
  return utf16.decode(out);
}

/** Writes `text` made terminal-safe to `out`. */
export function writeSafe(out: NodeJS.WritableStream, text: string): void {
  out.write(terminalSafe(text));
}
