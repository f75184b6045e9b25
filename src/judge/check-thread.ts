/**
 * The body of a checking thread (check-runner.ts starts it with node:worker_threads): runs
 * the built-in checkers on the buffers it is sent and posts each outcome back, so that a long
 * comparison never holds the worker's event loop, where every box's limits are enforced.
 */
import { parentPort } from 'node:worker_threads';
import { runBuiltinChecker, type BuiltinChecker, type CheckOutcome } from './checkers';

export interface CheckRequest {
  id: number;
  checker: BuiltinChecker;
  output: Uint8Array;
  answer: Uint8Array;
}

export type CheckReply = { id: number; outcome: CheckOutcome; ms: number } | { id: number; error: string };

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

if (parentPort) {
  const port = parentPort;
  port.on('message', (req: CheckRequest) => {
    const started = process.hrtime.bigint();
    let reply: CheckReply;
    try {
      const outcome = runBuiltinChecker(req.checker, asBuffer(req.output), asBuffer(req.answer));
      reply = { id: req.id, outcome, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    } catch (err) {
      reply = { id: req.id, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
}
