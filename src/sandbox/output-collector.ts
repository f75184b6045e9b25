import fs from 'node:fs';
import net from 'node:net';

/** One buffer for every drain's reads (synchronous, never interleaved); what is kept is copied. */
const drainBuffer = Buffer.alloc(64 * 1024);

/**
 * Collects one output pipe and keeps at most `capBytes`; past the cap it calls `onOverflow` once
 * and discards the rest, so the worker's memory stays flat whatever the program prints.
 *
 * A short run needs no stream: its read end (non-blocking, see `native.pipe`) is drained with
 * plain reads once every writer is dead (`finish()`), no socket, no epoll registration. A run
 * that goes on longer gets a stream (`attach()`, the container run calls it a few ms after the
 * program's start), which reads through the event loop (epoll, not the libuv pool) while the
 * program runs: a program printing more than the pipe holds is not blocked for longer than
 * that, and the cap is enforced while it runs.
 */
export class OutputCollector {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;
  private socket: net.Socket | null = null;
  /** Resolves at the stream's end (EOF, error, the cap); null until attached. */
  private streamDone: Promise<void> | null = null;
  /** The fd is closed (by the socket, or by this object). */
  private closed = false;

  constructor(
    private readonly fd: number,
    private readonly capBytes: number,
    private readonly onOverflow: () => void,
  ) {}

  /** Whether a stream reads the pipe (attached, or handed the rest by finish()). */
  get streaming(): boolean {
    return this.socket !== null;
  }

  /** Reads the pipe through a stream from now on (idempotent). */
  attach(): void {
    if (this.socket || this.closed) return;
    const socket = new net.Socket({ fd: this.fd, readable: true, writable: false });
    this.socket = socket;
    this.streamDone = new Promise((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        if (!this.keep(chunk)) {
          socket.destroy();
          resolve();
        }
      });
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
  }

  /**
   * Resolves once the pipe has reached its end; call it when every process that could write to
   * it is dead. Without a stream, reads what is left at once; a read that would block (a writer
   * still alive after all) hands the rest to a stream.
   */
  finish(): Promise<void> {
    if (this.socket) return this.streamDone ?? Promise.resolve();
    if (this.closed) return Promise.resolve();
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(this.fd, drainBuffer, 0, drainBuffer.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.attach();
          return this.streamDone ?? Promise.resolve();
        }
        if ((err as NodeJS.ErrnoException).code === 'EINTR') continue;
        // As the stream's 'error': what was read so far is the output.
        this.destroy();
        return Promise.resolve();
      }
      if (n === 0 || !this.keep(Buffer.from(drainBuffer.subarray(0, n)))) {
        this.destroy();
        return Promise.resolve();
      }
    }
  }

  /** Keeps what fits under the cap; false once over it (onOverflow told). */
  private keep(chunk: Buffer): boolean {
    if (this.truncated) return false;
    const room = this.capBytes - this.kept;
    if (chunk.length > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.kept = this.capBytes;
      this.truncated = true;
      this.onOverflow();
      return false;
    }
    this.chunks.push(chunk);
    this.kept += chunk.length;
    return true;
  }

  take(): Buffer {
    return Buffer.concat(this.chunks, this.kept);
  }

  /** Closes the read end (the stream's, or the fd itself); idempotent. */
  destroy(): void {
    if (this.socket) {
      this.socket.destroy();
      this.closed = true;
      return;
    }
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
