/**
 * The Python side of a DMOJ custom judge in caged (dmoj-grader.ts puts it beside the problem's
 * grader): the runner, caged's own, and the modules of DMOJ's `dmoj.graders` a grader builds on,
 * beside the `dmoj` package of the Python checkers (dmoj-python-runtime.ts: result, error,
 * utils, and the runners' shared helpers in `dmoj._caged`). Written for the sandbox's python3, none of it copied from DMOJ:
 *
 *   _caged_dmoj_interact.py     the runner (the interactor's entry): protocol `dmoj-grader` of
 *                               src/judge/interactive-verdict.ts, its report that of
 *                               src/judge/dmoj-python-report.ts, on stderr
 *   dmoj/graders/base.py        BaseGrader: the attributes a grader reads (problem, language)
 *   dmoj/graders/standard.py    StandardGrader, on it
 *   dmoj/graders/interactive.py InteractiveGrader, Interactor (read, readln, readtoken,
 *                               readint, readfloat, write, writeln, close), WrongAnswer: what
 *                               DMOJ's documentation gives a grader, with DMOJ's messages
 *   dmoj/problem.py             TestCase: the `case` a grader is given (points, position,
 *                               batch, input_data, output_data, input_data_io)
 *
 * A grader that needs more of DMOJ's judge (its executors, its own process handling) fails with an
 * ImportError or AttributeError: the test's IE. `self.source` is the submission's source (its
 * entry file; None for C or C++ sent as several files), as a Python checker's `submission_source`.
 */
import { DMOJ_PYTHON_RUNTIME, DMOJ_RUNNER } from './dmoj-python-runtime';

/** The runner, the interactor's entry point. */
export const DMOJ_GRADER_RUNNER = '_caged_dmoj_interact.py';
/** The problem's side of its settings (the grader's file and module, the problem's code, the cases), beside it. */
export const DMOJ_GRADER_FILE = '_caged_dmoj_grader.json';

const RUNNER = String.raw`"""caged's runner of a DMOJ custom judge: written by caged beside the problem's grader.

Run as python3 _caged_dmoj_interact.py input answer context in caged's sandbox, as the
interactor of the pair: its stdin is the submission's stdout, its stdout the submission's stdin.
It loads the grader named in _caged_dmoj_grader.json as DMOJ loads a custom judge (its source
executed in a new module named after the file), makes its Grader without DMOJ's constructor
(which compiles the submission: the worker has), and runs interact(case, interactor) as DMOJ's
InteractiveGrader does. One line of JSON goes to stderr, the report the worker reads
(src/judge/dmoj-python-report.ts); what the grader itself prints goes nowhere. Exit 0 when it
passed, 1 when not, 3 on an error.
"""
import json
import os
import sys

from dmoj._caged import FEEDBACK_CHARS, checked_report, last_line, load_module, submission_source, write_all

HERE = os.path.dirname(os.path.abspath(__file__))
PROBLEM_FILE = '${DMOJ_GRADER_FILE}'


def error(message):
    return {'result': 'error', 'run_on_error': False, 'error': message[:FEEDBACK_CHARS]}


class Pipes:
    """The submission's ends as DMOJ's Interactor sees its process: stdout read, stdin written."""

    def __init__(self, reader, writer):
        self.stdout = reader
        self.stdin = writer


class ProblemInfo:
    def __init__(self, problem_id):
        self.id = problem_id


def judge(problem, context, paths, pipes):
    from dmoj.graders.interactive import InteractiveGrader, Interactor, WrongAnswer
    from dmoj.problem import TestCase
    from dmoj.result import CheckerResult

    try:
        cls = getattr(load_module(HERE, problem), 'Grader', None)
        if not isinstance(cls, type) or not issubclass(cls, InteractiveGrader):
            return error('%s defines no Grader class based on InteractiveGrader (caged runs those custom judges alone)' % problem['file'])
        name = context.get('case_name')
        case = (problem.get('cases') or {}).get(name or '') or {}
        test = TestCase(
            paths['input'],
            paths['answer'],
            points=context['point_value'],
            position=case.get('position', context['case_index']),
            batch=case.get('batch', 0),
        )
        grader = cls.__new__(cls)
        grader.problem = ProblemInfo(problem.get('problem_id'))
        grader.language = context['submission_language']
        grader.source = submission_source(context, paths['context'])
        interactor = Interactor(pipes)
        # DMOJ's InteractiveGrader._interact_with_process.
        grader.check = False
        grader.feedback = None
        try:
            grader.check = grader.interact(test, interactor)
            interactor.close()
        except WrongAnswer as wa:
            grader.feedback = str(wa)
        except IOError:
            pass
        # DMOJ's InteractiveGrader.check_result (the submission's own failure the worker's).
        check = grader.check
        if not isinstance(check, CheckerResult):
            check = CheckerResult(check, test.points if check else 0.0, feedback=grader.feedback)
        return checked_report(check, False, 'the grader')
    except BaseException as exc:  # a grader's SystemExit is its failure too
        return error(last_line(exc))


def main():
    paths = dict(zip(('input', 'answer', 'context'), sys.argv[1:4]))
    with open(os.path.join(HERE, PROBLEM_FILE), encoding='utf-8') as f:
        problem = json.load(f)
    with open(paths['context'], encoding='utf-8') as f:
        context = json.load(f)
    # The submission's ends and the report's, kept; the grader's own prints (fd 0, 1 and 2, and
    # what it starts) go nowhere.
    pipes = Pipes(os.fdopen(os.dup(0), 'rb'), os.fdopen(os.dup(1), 'wb'))
    report_fd = os.dup(2)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    report = judge(problem, context, paths, pipes)
    write_all(report_fd, (json.dumps(report, allow_nan=False) + '\n').encode('ascii'))
    # Not Python's exit: flushing a pipe the submission closed would change the code.
    os._exit(3 if report['result'] == 'error' else 0 if report['passed'] else 1)


main()
`;

const GRADERS: ReadonlyArray<{ name: string; content: string }> = [
  { name: 'dmoj/graders/__init__.py', content: `"""DMOJ's dmoj.graders, of which caged brings the interactive grader's line."""\n` },
  {
    name: 'dmoj/graders/base.py',
    content: String.raw`"""DMOJ's BaseGrader, as a grader sees it: problem (its id) and language (caged's id)."""


class BaseGrader:
    def __init__(self, judge=None, problem=None, language=None, source=None):
        self.judge = judge
        self.problem = problem
        self.language = language
        self.source = source
`,
  },
  {
    name: 'dmoj/graders/standard.py',
    content: String.raw`"""DMOJ's StandardGrader, the base of InteractiveGrader."""
from dmoj.graders.base import BaseGrader


class StandardGrader(BaseGrader):
    pass
`,
  },
  {
    name: 'dmoj/graders/interactive.py',
    content: String.raw`"""DMOJ's dmoj.graders.interactive: Interactor, InteractiveGrader and WrongAnswer."""
from dmoj.graders.standard import StandardGrader
from dmoj.utils.unicode import utf8bytes, utf8text


class WrongAnswer(BaseException):
    pass


EOF = b''
MAX_NUMBER_DIGITS = 10000


class Interactor:
    """Reads the submission's output and writes its input, as DMOJ's does (the same messages)."""

    def __init__(self, process):
        self.process = process
        self._tokens = None

    def _abbreviate(self, s, n=5):
        text = utf8text(s, 'replace')
        return text[:n] + '...' if len(text) > n else text

    def read(self):
        got = self.process.stdout.read()
        if got == EOF:
            raise IOError('child stream closed')
        return got

    def readln(self, strip_newline=True):
        got = self.process.stdout.readline()
        if got == EOF:
            raise IOError('child stream closed')
        return got.rstrip() if strip_newline else got

    def readtoken(self, delim=None):
        if not self._tokens:
            self._tokens = self.readln()
        parts = self._tokens.split(delim, 1)
        if len(parts) == 2:
            token, self._tokens = parts
        else:
            token, self._tokens = self._tokens, None
        return token

    def readint(self, lo=float('-inf'), hi=float('inf'), delim=None):
        token = self.readtoken(delim)
        if len(token) > MAX_NUMBER_DIGITS:
            raise WrongAnswer('integer is too long')
        try:
            value = int(token)
        except ValueError:
            raise WrongAnswer('expected int, got "%s"' % self._abbreviate(token))
        if not lo <= value <= hi:
            raise WrongAnswer('expected int in range [%.0f, %.0f], got %d' % (lo, hi, value))
        return value

    def readfloat(self, lo=float('-inf'), hi=float('inf'), delim=None):
        token = self.readtoken(delim)
        if len(token) > MAX_NUMBER_DIGITS:
            raise WrongAnswer('float is too long')
        try:
            value = float(token)
        except ValueError:
            raise WrongAnswer('expected float, got "%s"' % self._abbreviate(token))
        if not lo <= value <= hi:
            raise WrongAnswer('expected float in range [%.2f %.2f], got %.2f' % (lo, hi, value))
        return value

    def write(self, val):
        self.process.stdin.write(utf8bytes(str(val)))
        self.process.stdin.flush()

    def writeln(self, val):
        self.process.stdin.write(utf8bytes(str(val) + '\n'))
        self.process.stdin.flush()

    def close(self):
        self.process.stdin.close()


class InteractiveGrader(StandardGrader):
    def interact(self, case, interactor):
        raise NotImplementedError
`,
  },
  {
    name: 'dmoj/problem.py',
    content: String.raw`"""DMOJ's TestCase, as a custom judge's case: its points, position, batch and data."""
import io


class TestCase:
    def __init__(self, input_path, answer_path, points, position, batch):
        self._input_path = input_path
        self._answer_path = answer_path
        self.points = points
        self.position = position
        self.batch = batch
        self.has_binary_data = False

    def input_data(self):
        with open(self._input_path, 'rb') as f:
            return f.read()

    def input_data_io(self):
        return io.BytesIO(self.input_data())

    def output_data(self):
        with open(self._answer_path, 'rb') as f:
            return f.read()

    def free_data(self):
        pass
`,
  },
];

/** The runner and the `dmoj` package of a custom judge: paths in the interactor's box and their text. */
export const DMOJ_GRADER_RUNTIME: ReadonlyArray<{ name: string; content: string }> = [
  { name: DMOJ_GRADER_RUNNER, content: RUNNER },
  ...DMOJ_PYTHON_RUNTIME.filter((f) => f.name !== DMOJ_RUNNER),
  ...GRADERS,
];
