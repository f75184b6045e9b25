/**
 * `caged judge … --json` and `caged run … --json` in this process, on a test's Judge: the exit
 * code, what it wrote, and (judge) the result when it succeeded (parsed by the result's schema).
 */
import { Writable } from 'node:stream';
import { judgeCommand } from '../../src/cli/judge';
import { runCommand } from '../../src/cli/run';
import type { Judge } from '../../src/judge/judge';
import { JudgeResultSchema, type JudgeResult } from '../../src/judge/schema';

async function captured(command: (out: Writable) => Promise<number>): Promise<{ code: number; text: string }> {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const code = await command(out);
  return { code, text };
}

export async function judgeJson(judge: Judge, args: string[]): Promise<{ code: number; text: string; result: JudgeResult | null }> {
  const { code, text } = await captured((out) => judgeCommand([...args, '--json'], out, { judge }));
  return { code, text, result: code === 0 ? JudgeResultSchema.parse(JSON.parse(text)) : null };
}

/** `caged run ARGS --json`: its exit code and the verdict it printed. */
export async function runVerdict(judge: Judge, args: string[]): Promise<{ code: number; verdict: string }> {
  const { code, text } = await captured((out) => runCommand([...args, '--json'], out, { judge }));
  return { code, verdict: (JSON.parse(text) as { verdict: string }).verdict };
}
