/**
 * A submission's code as a problem package judges it (judgePackage): its language, and its source
 * or its files with their entry, in the wire's meanings; nothing else of a request.
 */
import type { SubmissionInput } from '../judge/schema';

export interface PackageSubmission {
  language: string;
  /** One of source and files (SubmissionInput's meaning). */
  source?: string;
  /** How `source` is written (default utf8). */
  sourceEncoding?: 'utf8' | 'base64';
  files?: SubmissionInput['files'];
  /** With files: the entry, its name kept (SubmissionInput's meaning). */
  entry?: string;
}

/** The code of a wire submission, as judgePackage takes it: its language, source or files, and entry; nothing else of the request. */
export function packageSubmissionOf(
  s: Pick<SubmissionInput, 'language' | 'source' | 'sourceEncoding' | 'files' | 'entry'>,
): PackageSubmission {
  if (s.source !== undefined)
    return { language: s.language, source: s.source, ...(s.sourceEncoding ? { sourceEncoding: s.sourceEncoding } : {}) };
  return { language: s.language, files: s.files, ...(s.entry !== undefined ? { entry: s.entry } : {}) };
}
