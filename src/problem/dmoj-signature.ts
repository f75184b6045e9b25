/**
 * A DMOJ problem's signature grader (init.yml `signature_grader: {entry, header, allow_main}`,
 * DMOJ's graders/signature.py): the submission implements functions a header declares, and the
 * problem's `entry` (its `main`) calls them. As DMOJ builds it, for a C or C++ submission only:
 *
 *   - the entry is compiled as a source of the submission's language (`grader.c` or
 *     `grader.cpp`, whatever its own file ending), the header beside it under its own name;
 *   - the submission is `submission.c` (or `.cpp`), prefixed with `#include "<header>"` and,
 *     unless `allow_main`, `#define main main_<hex>`, so that its own `main` is renamed away;
 *   - every source is compiled together with `-DSIGNATURE_GRADER`.
 *
 * The submission must be one source in C or C++; another language is refused, as DMOJ's judge
 * answers it with an internal error.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import type { Language } from '../judge/languages';
import { isPlainFileName } from '../judge/source-path';
import type { DmojFiles } from './dmoj-files';
import { isMap, yamlBool } from './dmoj-init-checker';
import type { PackageSubmission } from './package-submission';

export interface DmojSignature {
  entry: Buffer;
  /** The header's name (what the prefix includes) and content. */
  header: { name: string; data: Buffer };
  allowMain: boolean;
}

const WHERE = 'init.yml signature_grader';

/** init.yml's `signature_grader`, its files read from the problem's directory. */
export function readSignatureGrader(files: DmojFiles, raw: unknown): DmojSignature {
  if (!isMap(raw)) throw new InvalidRequestError('must be a mapping (entry, header)', WHERE);
  const file = (key: 'entry' | 'header'): string => {
    const v = raw[key];
    if (typeof v !== 'string' || !v || v.includes('\0')) throw new InvalidRequestError(`${key} must name a file of the problem`, WHERE);
    if (files.where(v) !== 'dir') throw new InvalidRequestError(`${key} names ${v}, which is not a file of the problem's directory`, WHERE);
    return v;
  };
  const entry = file('entry');
  const header = file('header');
  // DMOJ writes the header beside the sources by the name its prefix includes.
  // Its name goes into an #include "…" line: no quote, backslash or control character.
  if (
    !isPlainFileName(header) ||
    [...header].some((c) => c === '"' || c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) ||
    ['grader', 'submission'].includes(path.parse(header).name)
  )
    throw new InvalidRequestError(
      `header ${JSON.stringify(header)} must be a plain file name without quotes, backslashes or control characters, not grader.* or submission.*`,
      WHERE,
    );
  return {
    entry: files.read(entry),
    header: { name: header, data: files.read(header) },
    allowMain: yamlBool(raw.allow_main, `${WHERE} allow_main`),
  };
}

/** The submission as DMOJ's signature grader compiles it, with the compiler option it adds; without one, as it is. */
export function withSignatureGrader(
  sig: DmojSignature | null,
  s: PackageSubmission,
  language: Language,
): PackageSubmission & { compilerOptions?: string[] } {
  if (!sig) return s;
  const ext = path.extname(language.sourceFile);
  if (!language.compile || (ext !== '.c' && ext !== '.cpp'))
    throw new InvalidRequestError(`a signature grader takes a C or C++ submission, not ${language.id}`, 'SUBMISSION');
  if (s.source === undefined) throw new InvalidRequestError('a signature grader takes one source file', 'SUBMISSION');
  const source = Buffer.from(s.source, s.sourceEncoding === 'base64' ? 'base64' : 'utf8');
  // DMOJ renames main with a fresh uuid; a name drawn from the source keeps the compile cache's key.
  const renamed = crypto.createHash('sha256').update(source).digest('hex').slice(0, 32);
  const prefix = `#include "${sig.header.name}"\n${sig.allowMain ? '' : `#define main main_${renamed}\n`}`;
  const b64 = (b: Buffer) => ({ content: b.toString('base64'), encoding: 'base64' as const });
  return {
    language: s.language,
    files: [
      { name: `grader${ext}`, ...b64(sig.entry) },
      { name: sig.header.name, ...b64(sig.header.data) },
      { name: `submission${ext}`, ...b64(Buffer.concat([Buffer.from(prefix), source])) },
    ],
    compilerOptions: ['-DSIGNATURE_GRADER'],
  };
}
