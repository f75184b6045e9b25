/**
 * The Python side of a DMOJ Python checker in caged (dmoj-python-checker.ts puts it beside the
 * problem's check.py): the runner, caged's own, and a small `dmoj` package standing in for the
 * modules of DMOJ's judge a checker imports. Written for the sandbox's python3 (3.8 and later),
 * none of it copied from DMOJ:
 *
 *   _caged_dmoj_check.py        the runner (the checker program's entry): the protocol of
 *                               src/judge/dmoj-python-report.ts
 *   dmoj/_caged.py              the runners' own helpers (caged's, not DMOJ's): loading the
 *                               problem's module, a CheckerResult's report, a traceback's
 *                               last line, the submission's source
 *   dmoj/result.py              Result (its flags, a preliminary result) and CheckerResult
 *                               (with DMOJ's own assertions on what a checker returns)
 *   dmoj/error.py               InternalError, CompileError
 *   dmoj/utils/unicode.py       utf8bytes, utf8text
 *   dmoj/checkers/standard.py   DMOJ's default checker, on dmoj/checkers/_checker.py (DMOJ's C
 *                               module, here in Python: one regular expression without
 *                               backtracking, a pass over each output)
 *
 * Nothing else of DMOJ's package is there (dmoj.executors, dmoj.judgeenv, the other checkers):
 * a checker importing it fails with an ImportError, which is the test's IE.
 */
import { DMOJ_FEEDBACK_CHARS, DMOJ_SOURCE_FILE } from '../judge/dmoj-python-report';

/** The runner, the checker program's entry point. */
export const DMOJ_RUNNER = '_caged_dmoj_check.py';
/** The problem's side of the runner's settings (DmojProblemSettings), beside it. */
export const DMOJ_PROBLEM_FILE = '_caged_dmoj_problem.json';

/** The runner and the `dmoj` package: paths in the checker's box and their text. */
export const DMOJ_PYTHON_RUNTIME: ReadonlyArray<{ name: string; content: string }> = [
  {
    name: DMOJ_RUNNER,
    content: String.raw`"""caged's runner of a DMOJ Python checker: written by caged beside the problem's checker.

Run as python3 _caged_dmoj_check.py input output answer context in caged's sandbox. It loads
the checker named in _caged_dmoj_problem.json as DMOJ loads one (its source executed in a new
module named after the file), calls its check as DMOJ's StandardGrader does, and writes one
line of JSON to stdout: the report the worker reads (src/judge/dmoj-python-report.ts). What the
checker itself prints goes to /dev/null, as DMOJ's goes to its judge's log, not the contestant.
"""
import json
import os
import sys
import traceback

from dmoj._caged import FEEDBACK_CHARS, checked_report, last_line, load_module, submission_source, write_all

HERE = os.path.dirname(os.path.abspath(__file__))
PROBLEM_FILE = '${DMOJ_PROBLEM_FILE}'
# Characters of a traceback written to stderr (the checker's stderr is capped by its run).
TRACEBACK_CHARS = 8000


def read_bytes(path):
    with open(path, 'rb') as f:
        return f.read()


def judge(problem, context, paths):
    """The report, and the traceback of a failure (None when none)."""
    from dmoj.result import CheckerResult, Result

    run_on_error = None
    try:
        check = getattr(load_module(HERE, problem), 'check', None)
        if check is None or not callable(check):
            return {'result': 'error', 'run_on_error': None, 'error': 'malformed checker: no check method found'}, None
        run_on_error = bool(getattr(check, 'run_on_error', False))
        verdict = context['submission_verdict']
        if verdict != 'OK' and not run_on_error:
            # DMOJ calls no checker on a failed submission unless it asks to be.
            return {'result': 'skipped', 'run_on_error': False}, None
        index = context['case_index']
        cases = problem.get('cases') or []
        if isinstance(cases, dict):
            case = cases.get(context.get('case_name') or '') or {}
        else:
            case = (cases[index] if 0 <= index < len(cases) else None) or {}
        point_value = context['point_value']
        process_output = read_bytes(paths['output'])
        source = submission_source(context, paths['context'])
        result = Result(
            None,
            result_flag=Result.FLAGS_OF_VERDICT.get(verdict, 0),
            execution_time=context['execution_time'],
            max_memory=context['max_memory'],
            proc_output=process_output,
        )
        # The problem's args first: DMOJ binds them with functools.partial, whose call's own
        # keywords win.
        kwargs = dict(problem.get('args') or {})
        kwargs.update(
            submission_source=source,
            judge_input=read_bytes(paths['input']),
            point_value=point_value,
            case_position=case.get('position', index),
            batch=case.get('batch', 0),
            submission_language=context['submission_language'],
            binary_data=case.get('binary_data', False),
            execution_time=context['execution_time'],
            problem_id=problem.get('problem_id'),
            result=result,
        )
        try:
            got = check(process_output, read_bytes(paths['answer']), **kwargs)
        except UnicodeDecodeError:
            # DMOJ's StandardGrader answers a checker's decoding error so.
            got = CheckerResult(False, 0, feedback='invalid unicode')
        if not isinstance(got, CheckerResult):
            if not isinstance(got, bool):
                message = 'check returned %s, neither a bool nor a CheckerResult' % type(got).__name__
                return {'result': 'error', 'run_on_error': run_on_error, 'error': message}, None
            got = CheckerResult(got, point_value if got else 0.0)
        return checked_report(got, run_on_error, 'check'), None
    except BaseException as exc:  # a checker's SystemExit is its failure too
        trace = traceback.format_exc()
        return {'result': 'error', 'run_on_error': run_on_error, 'error': last_line(exc)[:FEEDBACK_CHARS]}, trace


def main():
    paths = dict(zip(('input', 'output', 'answer', 'context'), sys.argv[1:5]))
    with open(os.path.join(HERE, PROBLEM_FILE), encoding='utf-8') as f:
        problem = json.load(f)
    with open(paths['context'], encoding='utf-8') as f:
        context = json.load(f)
    # The report's own ends; the checker's prints (fd 1 and 2, and what it starts) go nowhere,
    # for good: what Python still holds for sys.stdout is flushed there at exit.
    report_fd = os.dup(1)
    trace_fd = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    report, trace = judge(problem, context, paths)
    if trace:
        write_all(trace_fd, trace[-TRACEBACK_CHARS:].encode('utf-8', 'replace'))
    write_all(report_fd, (json.dumps(report, allow_nan=False) + '\n').encode('ascii'))


main()
`,
  },
  {
    name: 'dmoj/__init__.py',
    content: String.raw`"""caged's stand-in for DMOJ's judge package: the few modules a DMOJ Python checker imports."""
`,
  },
  {
    name: 'dmoj/_caged.py',
    content: String.raw`"""caged's own helpers of its runners (the Python checker's, the custom judge's): not DMOJ's."""
import math
import os
import traceback
import types

# Characters of a feedback reported (the worker shows one line of 500).
FEEDBACK_CHARS = ${DMOJ_FEEDBACK_CHARS}


def last_line(exc):
    """The last line of the exception's traceback: ValueError: no answer."""
    text = ''.join(traceback.format_exception_only(type(exc), exc))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def load_module(here, problem):
    """The problem's module (problem['file'] beside the runner), as DMOJ's load_module_from_file makes it."""
    path = os.path.join(here, problem['file'])
    with open(path, encoding='utf-8') as f:
        code = f.read()
    module = types.ModuleType(problem['module'])
    module.__file__ = path
    exec(compile(code, path, 'exec'), module.__dict__)
    return module


def checked_report(got, run_on_error, who):
    """The report of a CheckerResult \`who\` gave (src/judge/dmoj-python-report.ts)."""
    points = float(got.points)
    if not math.isfinite(points):
        return {'result': 'error', 'run_on_error': run_on_error, 'error': '%s gave points %r' % (who, got.points)}
    return {
        'result': 'checked',
        'run_on_error': run_on_error,
        'passed': bool(got.passed),
        'points': points,
        'feedback': str(got.feedback or '')[:FEEDBACK_CHARS],
        'extended_feedback': str(got.extended_feedback or '')[:FEEDBACK_CHARS],
    }


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def submission_source(context, context_path):
    """The submission's source (bytes) the worker wrote beside the test's context, or None."""
    if not context.get('has_source'):
        return None
    with open(os.path.join(os.path.dirname(context_path), '${DMOJ_SOURCE_FILE}'), 'rb') as f:
        return f.read()
`,
  },
  {
    name: 'dmoj/result.py',
    content: String.raw`"""DMOJ's dmoj.result: the result flags and CheckerResult, as a checker sees them."""


class Result:
    AC = 0
    WA = 1 << 0
    RTE = 1 << 1
    TLE = 1 << 2
    MLE = 1 << 3
    IR = 1 << 4
    SC = 1 << 5
    OLE = 1 << 6
    IE = 1 << 30
    CODE_DISPLAY_ORDER = ('IE', 'TLE', 'MLE', 'OLE', 'RTE', 'IR', 'WA', 'SC')
    # caged's verdict of the submission's run -> DMOJ's flag (caged's RE covers DMOJ's RTE and IR).
    FLAGS_OF_VERDICT = {'OK': 0, 'RE': RTE, 'TLE': TLE, 'MLE': MLE, 'OLE': OLE, 'SE': RTE}

    def __init__(
        self,
        case,
        result_flag=0,
        execution_time=0,
        wall_clock_time=0,
        max_memory=0,
        context_switches=(0, 0),
        runtime_version='',
        proc_output=b'',
        feedback='',
        extended_feedback='',
        points=0,
    ):
        self.case = case
        self.result_flag = result_flag
        self.execution_time = execution_time
        self.wall_clock_time = wall_clock_time
        self.context_switches = context_switches
        self.runtime_version = runtime_version
        self.max_memory = max_memory
        self.proc_output = proc_output
        self.feedback = feedback
        self.extended_feedback = extended_feedback
        self.points = points

    def get_main_code(self):
        for flag in Result.CODE_DISPLAY_ORDER:
            code = getattr(Result, flag)
            if self.result_flag & code:
                return code
        return Result.AC

    def readable_codes(self):
        return [flag for flag in Result.CODE_DISPLAY_ORDER if self.result_flag & getattr(Result, flag)] or ['AC']


class CheckerResult:
    def __init__(self, passed, points, feedback=None, extended_feedback=None):
        # DMOJ's own checks of what a checker returns.
        assert isinstance(passed, bool)
        assert isinstance(points, int) or isinstance(points, float)
        assert feedback is None or isinstance(feedback, str)
        assert extended_feedback is None or isinstance(extended_feedback, str)
        self.passed = passed
        self.points = points
        self.feedback = feedback
        self.extended_feedback = extended_feedback
`,
  },
  {
    name: 'dmoj/error.py',
    content: String.raw`"""DMOJ's dmoj.error, the exceptions a checker may raise."""
from dmoj.utils.unicode import utf8text


class CompileError(Exception):
    def __init__(self, message):
        super().__init__(utf8text(message, 'replace') or 'compiler exited abnormally')

    @property
    def message(self):
        return self.args[0]


class InternalError(Exception):
    pass
`,
  },
  {
    name: 'dmoj/utils/__init__.py',
    content: String.raw``,
  },
  {
    name: 'dmoj/utils/unicode.py',
    content: String.raw`"""DMOJ's dmoj.utils.unicode: bytes and text, UTF-8 both ways."""


def utf8bytes(maybe_text):
    if maybe_text is None:
        return None
    if isinstance(maybe_text, bytes):
        return maybe_text
    return maybe_text.encode('utf-8')


def utf8text(maybe_bytes, errors='strict'):
    if maybe_bytes is None:
        return None
    if isinstance(maybe_bytes, str):
        return maybe_bytes
    return maybe_bytes.decode('utf-8', errors)
`,
  },
  {
    name: 'dmoj/checkers/__init__.py',
    content: String.raw`"""DMOJ's dmoj.checkers, of which caged brings standard alone."""
`,
  },
  {
    name: 'dmoj/checkers/_checker.py',
    content: String.raw`"""DMOJ's C module _checker in Python: standard(judge_output, process_output).

The same tokens (runs of bytes other than space, \t, \v, \f, \n, \r), separated alike: by a
line break (a gap holding \n or \r) or by spaces only; whitespace before the first token and
after the last does not count.
"""
import re

_TOKEN = re.compile(rb'[^ \t\x0b\x0c\n\r]+')


def _shape(data):
    tokens = []
    breaks = []
    last = None
    for match in _TOKEN.finditer(data):
        if last is not None:
            gap = data[last : match.start()]
            breaks.append(b'\n' in gap or b'\r' in gap)
        tokens.append(match.group())
        last = match.end()
    return tokens, breaks


def standard(judge_output, process_output):
    if not isinstance(judge_output, bytes) or not isinstance(process_output, bytes):
        raise ValueError('expected strings')
    return _shape(judge_output) == _shape(process_output)
`,
  },
  {
    name: 'dmoj/checkers/standard.py',
    content: String.raw`"""DMOJ's standard checker: check(process_output, judge_output, **kwargs)."""
from dmoj.checkers._checker import standard
from dmoj.utils.unicode import utf8bytes


def check(process_output, judge_output, _checker=standard, **kwargs):
    return _checker(utf8bytes(judge_output), utf8bytes(process_output))


del standard
`,
  },
];
