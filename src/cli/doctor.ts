/**
 * `caged doctor [--json] [--no-redis]`: checks this host for the worker the CAGED_* variables
 * describe and prints what each capability of the sandbox rests on, the mode the worker would
 * run in, and the one command that fixes each missing piece (src/doctor/doctor.ts). Exit status
 * 0 when the worker can run, 1 when it cannot.
 */
import { diagnose } from '../doctor/doctor';
import { doctorOptionsFromEnv } from '../doctor/options';
import { realHostView } from '../doctor/real-host';
import { renderReport } from '../doctor/render';
import { parseArgs } from './args';
import { InvalidRequestError } from '../errors';
import { writeSafe } from './terminal-safe';

export async function doctorCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, [], ['json', 'no-redis']);
  if (args.positional.length > 0) throw new InvalidRequestError('takes no arguments', args.positional[0]);
  const report = await diagnose(realHostView(), doctorOptionsFromEnv(process.env, { checkRedis: !args.flags.has('no-redis') }));
  // Host text (paths, a tool's error message) reaches the terminal escaped.
  if (args.flags.has('json')) out.write(`${JSON.stringify(report, null, 2)}\n`);
  else writeSafe(out, renderReport(report));
  return report.runnable ? 0 : 1;
}
