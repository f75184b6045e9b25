#!/usr/bin/env node
/**
 * The caged command line. Exit status: 0 when the run or judging happened (whatever the
 * verdict), 2 for a bad request (usage, unknown language, missing file), 1 when caged itself
 * could not do its work.
 */
import { CagedError, InvalidRequestError } from '../errors';
import { execCommand, EXEC_USAGE } from './exec';
import { gradeCommand, GRADE_USAGE } from './grade';
import { judgeCommand, JUDGE_USAGE } from './judge';
import { languagesCommand, LANGUAGES_USAGE } from './languages';
import { problemCommand, PROBLEM_USAGE } from './problem';
import { runCommand, RUN_USAGE } from './run';
import { demoCommand, DEMO_USAGE } from './demo';
import { submitCommand, SUBMIT_USAGE } from './submit';
import { terminalSafe } from './terminal-safe';
import { workerCommand, WORKER_USAGE } from './worker';

type Command = (argv: readonly string[], out: NodeJS.WritableStream) => Promise<number>;

const commands: Record<string, { run: () => Promise<Command>; usage: string }> = {
  exec: { run: () => Promise.resolve(execCommand), usage: EXEC_USAGE },
  run: { run: () => Promise.resolve(runCommand), usage: RUN_USAGE },
  judge: { run: () => Promise.resolve(judgeCommand), usage: JUDGE_USAGE },
  languages: { run: () => Promise.resolve(languagesCommand), usage: LANGUAGES_USAGE },
  worker: { run: () => Promise.resolve(workerCommand), usage: WORKER_USAGE },
  submit: { run: () => Promise.resolve(submitCommand), usage: SUBMIT_USAGE },
  demo: { run: () => Promise.resolve(demoCommand), usage: DEMO_USAGE },
  problem: { run: () => Promise.resolve(problemCommand), usage: PROBLEM_USAGE },
  grade: { run: () => Promise.resolve(gradeCommand), usage: GRADE_USAGE },
};

function usage(): string {
  return ['usage:', ...Object.values(commands).map((c) => `  ${c.usage}`)].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(terminalSafe(`caged: unknown command ${JSON.stringify(name)}\n${usage()}\n`));
    return 2;
  }
  try {
    return await (
      await command.run()
    )(rest, process.stdout);
  } catch (err) {
    const e = err as Error;
    // Messages can quote file names, compiler or checker text: escaped like every printout.
    process.stderr.write(terminalSafe(`caged: ${e.message}\n`));
    if (err instanceof InvalidRequestError) return 2;
    if (err instanceof CagedError) return 1;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 2;
    process.stderr.write(terminalSafe(`${e.stack ?? ''}\n`));
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(terminalSafe(`caged: ${String(err)}\n`));
    process.exitCode = 1;
  },
);
