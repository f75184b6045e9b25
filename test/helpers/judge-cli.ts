/**
 * `caged judge … --json` in this process, on a test's Judge: the exit code, what it wrote, and
 * the result when it succeeded (parsed by the result's schema).
 */
import { Writable } from 'node:stream';
import { judgeCommand } from '../../src/cli/judge';
import type { Judge } from '../../src/judge/judge';
import { JudgeResultSchema, type JudgeResult } from '../../src/judge/schema';

export async function judgeJson(judge: Judge, args: string[]): Promise<{ code: number; text: string; result: JudgeResult | null }> {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const code = await judgeCommand([...args, '--json'], out, { judge });
  return { code, text, result: code === 0 ? JudgeResultSchema.parse(JSON.parse(text)) : null };
}
