/**
 * File input and output (the wire's `fileIo`, docs/judging.md "File input and output"): the
 * answer read back from the file the program wrote (the names on the wire: file-io-schema.ts;
 * the test's run: test-step.ts; its box: test-files.ts).
 */
import fs from 'node:fs';
import { readCapped } from './output-validator-feedback';

/**
 * The program's answer in its output file (fileIo.output), at most `cap` bytes: what it wrote to
 * /box, read from the run's kept writes without following a link. Absent or not a regular file
 * (a link, a directory, a FIFO, or the whiteout of a file it removed), the answer is empty and
 * the note says why; over `cap`, `overLimit`.
 */
export function readOutputFile(kept: string, name: string, cap: number): { data: Buffer; overLimit: boolean; note?: string } {
  const dirFd = fs.openSync(kept, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_DIRECTORY);
  try {
    const f = readCapped(dirFd, name, cap);
    if (f.kind === 'read') return { data: f.data, overLimit: f.truncated };
    return { data: Buffer.alloc(0), overLimit: false, note: f.kind === 'absent' ? `no ${name} written` : f.why };
  } finally {
    fs.closeSync(dirFd);
  }
}
