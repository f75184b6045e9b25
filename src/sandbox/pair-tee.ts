/**
 * The worker on an interactive pair's pipes, only when a transcript is asked for: each side's
 * stdout is read through the event loop (epoll, never the libuv pool), kept up to a cap, and
 * written on to the other side's stdin, with backpressure (a side that does not read stops the
 * other's reads, as a direct pipe would). EOF is passed on (the reader's end → the writer's
 * end). A closed reader of the interactor stops the reads from the submission until the
 * interactor's run has ended (`interactorEnded`): then what the submission writes on is read and
 * dropped if the interactor accepted, and its pipe is closed otherwise (EPIPE/SIGPIPE), as
 * run-pair.ts does without the tee (PairOptions.acceptExitCodes). What the
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
    /** Told the size of each chunk of the submission's output dropped after an accepting interactor. */
    private readonly onDroppedFromSubmission?: (bytes: number) => void,
  ) {
    const open = (fd: number, readable: boolean) => {
      const s = new net.Socket({ fd, readable, writable: !readable });
      this.sockets.push(s);
      return s;
    };
    this.fromSubmission = open(fds.submissionOut, true);
    this.pump(this.fromSubmission, open(fds.interactorIn, false), 'submission', 'hold');
    this.pump(open(fds.interactorOut, true), open(fds.submissionIn, false), 'interactor', 'drop');
  }

  private readonly fromSubmission: net.Socket;
  /**
   * The interactor's stdout reached its end (or failed): from then on the worker ends the
   * submission's stdin. Until then the submission cannot have read an EOF (run-pair.ts).
   */
  interactorOutEnded = false;
  private submissionOutGone = false;
  /** How the interactor's run ended, once it has: what becomes of the submission's further output. */
  private interactorAccepted: boolean | null = null;

  /**
   * The interactor's run ended (run-pair.ts): once it is gone too, what the submission writes on
   * is read and dropped when it accepted, refused (the pipe closed: EPIPE/SIGPIPE) otherwise.
   */
  interactorEnded(accepted: boolean): void {
    this.interactorAccepted = accepted;
    if (this.submissionOutGone) this.settleSubmissionOut();
  }

  private settleSubmissionOut(): void {
    if (this.interactorAccepted === null) return; // held, unread, until the interactor's end is known
    if (this.interactorAccepted) this.fromSubmission.resume();
    else this.fromSubmission.destroy();
  }

  /**
   * Once `dst` is closed: `drop` reads on from `src` and drops it; `hold` stops reading `src`
   * until the interactor's end says which (the submission's output, as run-pair.ts holds it).
   */
  private pump(src: net.Socket, dst: net.Socket, from: TranscriptChunk['from'], whenGone: 'drop' | 'hold'): void {
    let gone = false;
    src.on('data', (chunk: Buffer) => {
      if (gone) {
        if (from === 'submission') this.onDroppedFromSubmission?.(chunk.length);
        return;
      }
      this.record(from, chunk);
      if (!dst.write(chunk)) {
        src.pause();
        dst.once('drain', () => {
          if (!gone) src.resume();
        });
      }
    });
    src.on('end', () => dst.end());
    src.on('error', () => dst.destroy());
    if (from === 'interactor') for (const e of ['end', 'error', 'close']) src.on(e, () => (this.interactorOutEnded = true));
    // The other side closed its stdin (or ended).
    const onGone = (): void => {
      if (gone) return;
      gone = true;
      if (whenGone === 'drop') {
        src.resume();
        return;
      }
      src.pause();
      this.submissionOutGone = true;
      this.settleSubmissionOut();
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
