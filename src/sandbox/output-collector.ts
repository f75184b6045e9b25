import fs from 'node:fs';
import net from 'node:net';

/** One buffer for every read, drained or streamed (each handled synchronously, never interleaved); what is kept is copied. */
const drainBuffer = Buffer.alloc(64 * 1024);

/**
 * A read of less than this is small: it is copied into a shared tail instead of kept as a
 * buffer of its own, and the stream then waits THROTTLE_MS before its next read.
 */
const SMALL_READ = 16 * 1024;
const TAIL_BYTES = 64 * 1024;
const THROTTLE_MS = 1;

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
 *
 * A program choosing how its output arrives (one byte per write, paced, or the pipe in packet
 * mode, where every write is a read of its own) must not choose the worker's cost: small reads
 * are copied into one tail buffer (memory stays the bytes kept, not a buffer object per read),
 * and after a small read the stream waits THROTTLE_MS before reading again, so such a program
 * costs at most about a thousand reads a second; what it writes meanwhile waits in the pipe. A
 * program printing more than a small read's worth at a time is read at once, as before.
 */
export class OutputCollector {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Where small reads are copied (its filled part is the last of `chunks`), and how much of it is filled. */
  private tail: Buffer | null = null;
  private tailUsed = 0;
  /** The stream's pause after a small read (THROTTLE_MS), or null. */
  private throttle: NodeJS.Timeout | null = null;
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
    this.streamDone = new Promise((resolve) => {
      // Each read lands in the shared buffer (no allocation per read) and is copied from there;
      // the constructor takes `onread` (Node's net.Socket options) though @types/node puts it on connect's.
      const options: net.SocketConstructorOpts & net.ConnectOpts = {
        fd: this.fd,
        readable: true,
        writable: false,
        onread: {
          buffer: drainBuffer,
          callback: (n: number, buf: Uint8Array): boolean => {
            if (!this.keep(Buffer.from(buf.buffer, buf.byteOffset, n))) {
              socket.destroy();
              resolve();
              return false;
            }
            if (n >= SMALL_READ || this.throttle !== null) return true;
            this.throttle = setTimeout(() => this.unthrottle(true), THROTTLE_MS);
            return false;
          },
        },
      };
      const socket = new net.Socket(options);
      this.socket = socket;
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
    if (this.socket) {
      // Every writer is dead: what is left is read now, not after the pause.
      this.unthrottle(true);
      return this.streamDone ?? Promise.resolve();
    }
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
      if (n === 0 || !this.keep(drainBuffer.subarray(0, n))) {
        this.destroy();
        return Promise.resolve();
      }
    }
  }

  /** Ends the pause after a small read; `resume`: the stream reads again. */
  private unthrottle(resume: boolean): void {
    if (this.throttle === null) return;
    clearTimeout(this.throttle);
    this.throttle = null;
    if (resume && !this.socket?.destroyed) this.socket?.resume();
  }

  /** Keeps what fits under the cap; false once over it (onOverflow told). */
  private keep(chunk: Buffer): boolean {
    if (this.truncated) return false;
    const room = this.capBytes - this.kept;
    if (chunk.length > room) {
      if (room > 0) this.store(chunk.subarray(0, room));
      this.truncated = true;
      this.onOverflow();
      return false;
    }
    this.store(chunk);
    return true;
  }

  /** A large read is kept as a copy of its own; a small one is copied into the tail. `chunk` is the shared read buffer's. */
  private store(chunk: Buffer): void {
    this.kept += chunk.length;
    if (chunk.length >= SMALL_READ) {
      this.tail = null;
      this.chunks.push(Buffer.from(chunk));
      return;
    }
    if (this.tail === null || this.tailUsed + chunk.length > this.tail.length) {
      // 4 KiB first, doubling: a program printing one line costs no 64 KiB.
      const size = this.tail === null ? 4096 : Math.min(TAIL_BYTES, this.tail.length * 2);
      this.tail = Buffer.allocUnsafe(Math.max(size, chunk.length));
      this.tailUsed = 0;
      this.chunks.push(this.tail.subarray(0, 0));
    }
    chunk.copy(this.tail, this.tailUsed);
    this.tailUsed += chunk.length;
    this.chunks[this.chunks.length - 1] = this.tail.subarray(0, this.tailUsed);
  }

  take(): Buffer {
    return Buffer.concat(this.chunks, this.kept);
  }

  /** Closes the read end (the stream's, or the fd itself); idempotent. */
  destroy(): void {
    this.unthrottle(false);
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
