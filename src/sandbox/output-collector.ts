import net from 'node:net';

/**
 * Reads one output pipe through the event loop (epoll, not the libuv pool) and keeps at most
 * `capBytes`; past the cap it calls `onOverflow` once and discards the rest, so the worker's
 * memory stays flat whatever the program prints.
 */
export class OutputCollector {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;
  readonly done: Promise<void>;
  private readonly socket: net.Socket;

  constructor(
    fd: number,
    private readonly capBytes: number,
    onOverflow: () => void,
  ) {
    this.socket = new net.Socket({ fd, readable: true, writable: false });
    this.done = new Promise((resolve) => {
      this.socket.on('data', (chunk: Buffer) => {
        if (this.truncated) return;
        const room = this.capBytes - this.kept;
        if (chunk.length > room) {
          if (room > 0) this.chunks.push(chunk.subarray(0, room));
          this.kept = this.capBytes;
          this.truncated = true;
          onOverflow();
          this.socket.destroy();
          resolve();
          return;
        }
        this.chunks.push(chunk);
        this.kept += chunk.length;
      });
      this.socket.on('error', () => resolve());
      this.socket.on('close', () => resolve());
    });
  }

  take(): Buffer {
    return Buffer.concat(this.chunks, this.kept);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
