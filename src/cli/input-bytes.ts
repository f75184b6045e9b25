/**
 * Files the command line sends are read as bytes and stay bytes: text that is valid UTF-8 goes
 * as is, anything else as base64 with its encoding named (`stdinEncoding`, `sourceEncoding`…),
 * so that a Latin-1 source or a binary test input reaches the program byte for byte. A source
 * holding NUL bytes is a binary file given by mistake: refused, and never echoed.
 */
import fs from 'node:fs';
import { InvalidRequestError } from '../errors';

export type Encoding = 'utf8' | 'base64';

/** The bytes of a regular file; a missing one is a bad request naming the flag. */
export function readInput(file: string, flag: string): Buffer {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile()) throw new InvalidRequestError(`no such file: ${file}`, flag);
  return fs.readFileSync(file);
}

/** Text when the bytes are valid UTF-8, else base64; either way the bytes are recoverable. */
export function asField(data: Buffer): { text: string; encoding: Encoding } {
  const text = data.toString('utf8');
  return Buffer.from(text, 'utf8').equals(data) ? { text, encoding: 'utf8' } : { text: data.toString('base64'), encoding: 'base64' };
}

/** A source file: its bytes as a field; NUL bytes (a binary file) refused without showing them. */
export function readSource(file: string, flag: string): { text: string; encoding: Encoding } {
  const data = readInput(file, flag);
  const nul = data.indexOf(0);
  if (nul >= 0)
    throw new InvalidRequestError(
      `${file} holds a NUL byte (at offset ${nul}): it looks like a binary file, not a source (give the source, not the program)`,
      flag,
    );
  return asField(data);
}

/** A source that must be text (a checker's, whose schema field has no encoding). */
export function readTextSource(file: string, flag: string): string {
  const field = readSource(file, flag);
  if (field.encoding !== 'utf8') throw new InvalidRequestError(`${file} is not UTF-8 text`, flag);
  return field.text;
}
