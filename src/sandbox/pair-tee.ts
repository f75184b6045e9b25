/**
 * The worker on an interactive pair's pipes, only when a transcript is asked for: each side's
 * stdout is read through the event loop (epoll, never the libuv pool), kept up to a cap, and
 * written on to the other side's stdin, with backpressure (a side that does not read stops the
 * other's reads, as a direct pipe would). EOF is passed on (the reader's end → the writer's
 * end), and so is a closed reader of the interactor: a write to it that fails (EPIPE) closes the
 * pipe from the submission, which then gets EPIPE/SIGPIPE as it would without the tee. What the
 * interactor writes to a submission that is gone is read and dropped (not kept), as run-pair.ts
 * does without the tee: an interactor never dies of SIGPIPE. Costs two event-loop hops per
 * message (bench/interactive.ts measures it).
 */
import net from 'node:net';

export interface TranscriptChunk {
  /** Who wrote the bytes. */
  from: 'interactor' | 'submission';
  data: Buffer;
}

export class PairTee {
  readonly chunks: TranscriptChunk[] = [];
  truncated = false;
  private kept = 0;
  private readonly sockets: net.Socket[] = [];

  /** Takes ownership of the four fds (the worker's ends of the four pipes). */
  constructor(
    fds: { submissionOut: number; interactorIn: number; interactorOut: number; submissionIn: number },
    private readonly capBytes: number,
  ) {
    const open = (fd: number, readable: boolean) => {
      const s = new net.Socket({ fd, readable, writable: !readable });
      this.sockets.push(s);
      return s;
    };
    this.pump(open(fds.submissionOut, true), open(fds.interactorIn, false), 'submission', false);
    this.pump(open(fds.interactorOut, true), open(fds.submissionIn, false), 'interactor', true);
  }

  /** `dropWhenGone`: once `dst` is closed, read on from `src` and drop (else close `src`). */
  private pump(src: net.Socket, dst: net.Socket, from: TranscriptChunk['from'], dropWhenGone: boolean): void {
    let gone = false;
    src.on('data', (chunk: Buffer) => {
      if (gone) return;
      this.record(from, chunk);
      if (!dst.write(chunk)) {
        src.pause();
        dst.once('drain', () => src.resume());
      }
    });
    src.on('end', () => dst.end());
    src.on('error', () => dst.destroy());
    // The other side closed its stdin (or ended).
    const onGone = (): void => {
      gone = true;
      if (dropWhenGone) src.resume();
      else src.destroy();
    };
    dst.on('error', onGone);
    dst.on('close', onGone);
  }

  private record(from: TranscriptChunk['from'], chunk: Buffer): void {
    if (this.truncated) return;
    const room = this.capBytes - this.kept;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    if (!part.length) return;
    this.kept += part.length;
    const last = this.chunks[this.chunks.length - 1];
    // Consecutive chunks of one side are one entry (a copy: the socket's buffer is not ours).
    if (last?.from === from) last.data = Buffer.concat([last.data, part]);
    else this.chunks.push({ from, data: Buffer.from(part) });
  }

  /** Closes the worker's ends; idempotent. */
  destroy(): void {
    for (const s of this.sockets) s.destroy();
  }
}
