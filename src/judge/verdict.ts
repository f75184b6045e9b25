/**
 * Verdicts and their Judge0 status ids, so that Judge0 users can map their code one to one.
 *
 * Judge0's table: 3 Accepted, 4 Wrong Answer, 5 Time Limit Exceeded, 6 Compilation Error,
 * 7 Runtime Error (SIGSEGV), 8 (SIGXFSZ), 9 (SIGFPE), 10 (SIGABRT), 11 (NZEC), 12 (Other),
 * 13 Internal Error, 14 Exec Format Error. Judge0 has no memory-limit, output-limit or
 * system-call status; we report those as MLE/OLE/SE and pick the Judge0 status a Judge0
 * installation would have shown for the same program:
 *   MLE → 12 Runtime Error (Other); OLE → 8 Runtime Error (SIGXFSZ) (isolate's output cap is a
 *   file-size limit); SE → 12 Runtime Error (Other) (a seccomp kill is SIGSYS);
 *   SKIPPED (not run) → 1 In Queue.
 */
import type { Judge0Status, TestVerdict, Verdict } from './schema';

export const JUDGE0 = {
  inQueue: { id: 1, description: 'In Queue' },
  accepted: { id: 3, description: 'Accepted' },
  wrongAnswer: { id: 4, description: 'Wrong Answer' },
  timeLimit: { id: 5, description: 'Time Limit Exceeded' },
  compilationError: { id: 6, description: 'Compilation Error' },
  sigsegv: { id: 7, description: 'Runtime Error (SIGSEGV)' },
  sigxfsz: { id: 8, description: 'Runtime Error (SIGXFSZ)' },
  sigfpe: { id: 9, description: 'Runtime Error (SIGFPE)' },
  sigabrt: { id: 10, description: 'Runtime Error (SIGABRT)' },
  nzec: { id: 11, description: 'Runtime Error (NZEC)' },
  other: { id: 12, description: 'Runtime Error (Other)' },
  internalError: { id: 13, description: 'Internal Error' },
  execFormatError: { id: 14, description: 'Exec Format Error' },
} as const satisfies Record<string, Judge0Status>;

/** Human names of the verdicts (messages, the CLI summary). */
export const VERDICT_NAMES: Readonly<Record<TestVerdict | Verdict, string>> = {
  AC: 'Accepted',
  WA: 'Wrong Answer',
  TLE: 'Time Limit Exceeded',
  MLE: 'Memory Limit Exceeded',
  OLE: 'Output Limit Exceeded',
  RE: 'Runtime Error',
  CE: 'Compilation Error',
  SE: 'Forbidden System Call',
  IE: 'Internal Error',
  SKIPPED: 'Skipped',
};

/**
 * The Judge0 status of a verdict. For RE the signal picks 7–10 or 12 and a plain non-zero
 * exit gives 11 (NZEC); an exec failure (exit 126/127 from the launcher's exec) stays NZEC
 * because the program's own exit code 127 cannot be told apart.
 */
export function judge0Of(verdict: TestVerdict | Verdict, signal: string | null = null): Judge0Status {
  switch (verdict) {
    case 'AC':
      return { ...JUDGE0.accepted };
    case 'WA':
      return { ...JUDGE0.wrongAnswer };
    case 'TLE':
      return { ...JUDGE0.timeLimit };
    case 'CE':
      return { ...JUDGE0.compilationError };
    case 'MLE':
      return { ...JUDGE0.other };
    case 'OLE':
      return { ...JUDGE0.sigxfsz };
    case 'SE':
      return { ...JUDGE0.other };
    case 'IE':
      return { ...JUDGE0.internalError };
    case 'SKIPPED':
      return { ...JUDGE0.inQueue };
    case 'RE':
      switch (signal) {
        case null:
          return { ...JUDGE0.nzec };
        case 'SIGSEGV':
          return { ...JUDGE0.sigsegv };
        case 'SIGXFSZ':
          return { ...JUDGE0.sigxfsz };
        case 'SIGFPE':
          return { ...JUDGE0.sigfpe };
        case 'SIGABRT':
          return { ...JUDGE0.sigabrt };
        default:
          return { ...JUDGE0.other };
      }
  }
}

/** Verdicts a submission's own run decides (its end, a limit, a forbidden call), not a checker. */
const OWN_FAILURES: ReadonlySet<TestVerdict> = new Set(['TLE', 'MLE', 'OLE', 'RE', 'SE']);

/**
 * What to say of a test in one line: the checker's words when a checker decided it, the test's
 * own message otherwise. An interactor always speaks (it read the EOF of a submission that
 * crashed), but when the submission's own failure decided the test, its words are not why.
 */
export function testDetail(t: { verdict: TestVerdict; message: string; checkerMessage: string | null }): string {
  return OWN_FAILURES.has(t.verdict) ? t.message : (t.checkerMessage ?? t.message);
}
