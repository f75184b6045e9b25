/**
 * File input and output (the wire's `fileIo`, docs/judging.md "File input and output"): the
 * answer read back from the file the program wrote (the names on the wire: file-io-schema.ts;
 * the test's run: test-step.ts; its box: test-files.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { openRegularFile } from './output-validator-feedback';

/**
 * The program's answer in its output file (fileIo.output), at most `cap` bytes: what it wrote to
 * /box, read from the run's kept writes without following a link. Absent or not a regular file
 * (a link, a directory, a FIFO, or the whiteout of a file it removed), the answer is empty and
 * the note says why; over `cap`, `overLimit`. `absent`: no file was written, which includes the
 * empty file made for a read-only box (test-files.ts) that the program never opened to write
 * (its times still the epoch's).
 */
export async function readOutputFile(
  kept: string,
  name: string,
  cap: number,
): Promise<{ data: Buffer; overLimit: boolean; note?: string; absent?: true }> {
  // Rootless, the program's files are given back to the worker with the modes it chose: a
  // directory or file it made unreadable is made readable to its owner first. No process of the
  // box is left to swap them (the run returned), and lstat sees a link as a link.
  ownerMayRead(kept, 0o500);
  const file = path.join(kept, name);
  if (fs.lstatSync(file, { throwIfNoEntry: false })?.isFile()) ownerMayRead(file, 0o400);
  const dirFd = fs.openSync(kept, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_DIRECTORY);
  let opened: ReturnType<typeof openRegularFile>;
  try {
    opened = openRegularFile(dirFd, name);
  } finally {
    fs.closeSync(dirFd);
  }
  const notWritten = { data: Buffer.alloc(0), overLimit: false, note: `no ${name} written`, absent: true as const };
  if (!('fd' in opened)) return opened.kind === 'absent' ? notWritten : { data: Buffer.alloc(0), overLimit: false, note: opened.why };
  // Up to the output limit, which may be tens of MiB: read on libuv's pool, not the event loop other jobs share.
  const { fd, size } = opened;
  try {
    if (size === 0 && opened.mtimeMs === 0) return notWritten;
    const buf = Buffer.alloc(Math.min(cap, size) + 1);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await read(fd, buf, got, buf.length - got, null);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { data: buf.subarray(0, Math.min(got, cap)), overLimit: got > cap || size > cap };
  } finally {
    fs.closeSync(fd);
  }
}

const read = promisify(fs.read);

/** Adds the owner's `bits` to `p` when the worker owns it and lacks them (root needs none). */
function ownerMayRead(p: string, bits: number): void {
  const uid = process.geteuid?.() ?? 0;
  if (uid === 0) return;
  const st = fs.lstatSync(p);
  if (st.uid === uid && (st.mode & bits) !== bits && !st.isSymbolicLink()) fs.chmodSync(p, (st.mode & 0o7777) | bits);
}
