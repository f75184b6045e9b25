/**
 * Each command's one-line usage, apart from the commands themselves so that `caged --help` and
 * `caged COMMAND --help` print them without loading any command (main.ts loads only the one run).
 */
export const EXEC_USAGE =
  'caged exec [--lang ID | --layer ID | --rootfs DIR] [--image MANIFEST] [--time S] [--wall S] [--memory MB] [--pids N] [--output KB] [--stdin FILE] [--json] [--raw] -- CMD ARGS...';

export const RUN_USAGE =
  'caged run FILE [--lang LANG] [--stdin FILE] [--expected FILE] [--tests DIR [--no-expected]] [--checker exact|lines|tokens|float|FILE] ' +
  '[--epsilon E | --abs-epsilon E --rel-epsilon E] [--time S] [--wall S] [--memory MB] [--output KB] [--pids N] [--stop-on-failure] [--no-file-writing] [--input-file NAME] [--output-file NAME] [--image MANIFEST] [--json]';

export const JUDGE_USAGE =
  'caged judge PROBLEM_DIR|PACKAGE.zip SUBMISSION [--lang LANG] [--entry FILE] [--time S | --derive-again] [--memory MB] [--all-tests] [--image MANIFEST] [--json]';

export const LANGUAGES_USAGE = 'caged languages [--image MANIFEST] [--json]';

export const WORKER_USAGE = 'caged worker              (configured by CAGED_* variables; caged worker --help lists them)';

export const SUBMIT_USAGE =
  'caged submit FILE --lang LANG [--tests DIR [--no-expected] | --stdin FILE --expected FILE] [--checker …] [--time S] [--wall S] ' +
  '[--memory MB] [--output KB] [--pids N] [--stop-on-failure] [--no-file-writing] [--input-file NAME] [--output-file NAME] [--id ID [--rejudge]] [--priority N] [--timeout S] [--json]';

export const DOCTOR_USAGE = 'caged doctor [--json] [--no-redis]   (what the sandbox rests on here, and the mode the worker will run in)';

export const DEMO_USAGE = 'caged demo [--samples DIR]   (a worker judging the bundled samples through Redis)';

export const PROBLEM_USAGE =
  'caged problem push DIR|PACKAGE.zip [--time S | --derive-time [--derive-again]] [--max-mb N] [--json] | caged problem pack DIR|PACKAGE.zip OUTDIR [--time S | --derive-time [--derive-again]] [--max-mb N] [--json] | caged problem generate DIR [--json]';

export const GRADE_USAGE =
  'caged grade PROBLEM SUBMISSION... [--out FILE.csv|.json|.html]... [--local] [--rejudge] [--concurrency N] [--json] [--time S | --derive-time] [--derive-again] [--memory MB] [--lang-of .EXT=LANG,…] [--state DIR] [--all-tests] [--image MANIFEST]';

export const SELFTEST_USAGE = 'caged selftest [--manifest MANIFEST] [--lang ID...] [--languages-dir DIR] [--json]';

export const API_USAGE = 'caged api                 (HTTP API, Judge0-compatible; configured by CAGED_* variables; caged api --help)';
