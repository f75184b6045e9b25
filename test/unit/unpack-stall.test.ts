/**
 * The unpack's stall watchdog, against a real tarball fed through a FIFO by another process: a
 * feed that stops mid-archive (the writer alive, nothing more coming) fails with
 * UnpackStalledError naming the last entry, within a few stall periods; a feed that is slow but
 * steady is not mistaken for a stall and unpacks every file.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostError } from '../../src/errors';
import { unpackImage, UnpackStalledError } from '../../src/rootfs/unpack';

let dir: string;
let tarball: string;
let fifo: string;
let feeder: ChildProcess | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-unpack-stall-'));
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(path.join(tree, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'etc', 'first'), 'a'.repeat(64 * 1024));
  fs.writeFileSync(path.join(tree, 'etc', 'second'), 'b'.repeat(64 * 1024));
  fs.writeFileSync(path.join(tree, 'etc', 'third'), 'c'.repeat(64 * 1024));
  tarball = path.join(dir, 'image.tar');
  execFileSync('tar', ['-cf', tarball, '-C', tree, '--sort=name', 'etc']);
  fifo = path.join(dir, 'feed');
  execFileSync('mkfifo', [fifo]);
  fs.mkdirSync(path.join(dir, 'out'));
});

afterEach(() => {
  feeder?.kill('SIGKILL');
  feeder = undefined;
  // A reader still waiting in open(2) for a writer that never came (a failed test) would hold a
  // libuv thread, and Jest, forever once the FIFO is gone: open it for writing and close it.
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  } catch {
    // ENXIO: no reader waiting.
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes `tarball` into the FIFO in `chunk`-byte pieces `pauseMs` apart, stopping (open, silent)
 * after `stopAt` bytes. Resolves once the feeder has started and is about to open the FIFO (its
 * open waits for the reader): Node's own start, which takes longer than a stall period on a
 * loaded machine, is not counted as a stall.
 */
async function feed(chunk: number, pauseMs: number, stopAt: number): Promise<void> {
  const script = `
    const fs = require('fs');
    const [src, dst, chunk, pause, stopAt] = process.argv.slice(1);
    const data = fs.readFileSync(src);
    fs.writeSync(1, 'ready\\n');
    const fd = fs.openSync(dst, 'w');
    let at = 0;
    const step = () => {
      if (at >= Math.min(data.length, +stopAt)) {
        if (at >= data.length) fs.closeSync(fd); else setTimeout(() => {}, 60000);
        return;
      }
      fs.writeSync(fd, data.subarray(at, at + +chunk));
      at += +chunk;
      setTimeout(step, +pause);
    };
    step();`;
  const child = spawn(process.execPath, ['-e', script, tarball, fifo, String(chunk), String(pauseMs), String(stopAt)], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  feeder = child;
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the feeder exited (${code}) before it started`)));
  });
}

it('fails a feed that stops mid-archive with UnpackStalledError naming the last entry', async () => {
  // The first file's header and data (512 + 64 KiB after the directory's header) and no more.
  await feed(512, 0, 512 + 512 + 64 * 1024 + 512);
  const started = Date.now();
  const err = await unpackImage(fifo, path.join(dir, 'out'), { stallMs: 400 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UnpackStalledError);
  expect(err).toBeInstanceOf(HostError);
  // The header of etc/second came (its entry began), its data never did.
  expect((err as Error).message).toBe(`${fifo}: unpacking stalled for 400 ms after entry "etc/second", at byte ${3 * 512 + 64 * 1024}`);
  expect(Date.now() - started).toBeLessThan(5000);
});

it('unpacks a slow but steady feed whole', async () => {
  // About 1.2 s in all, pauses of 100 ms: far longer than a stall period, never one pause.
  await feed(16 * 1024, 100, Number.MAX_SAFE_INTEGER);
  const stats = await unpackImage(fifo, path.join(dir, 'out'), { stallMs: 400 });
  expect(stats).toMatchObject({ files: 3, directories: 1 });
  for (const [name, ch] of [
    ['first', 'a'],
    ['second', 'b'],
    ['third', 'c'],
  ] as const) {
    expect(fs.readFileSync(path.join(dir, 'out', 'etc', name), 'utf8')).toBe(ch.repeat(64 * 1024));
  }
});
