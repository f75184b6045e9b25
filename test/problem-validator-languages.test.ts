/**
 * A package's own programs in languages other than C, C++ and Python, on real containers and the
 * real image: the format's languages table tells a program's language, and caged builds it as a
 * submission in that language (src/problem/package-validator.ts, src/judge/program-files.ts).
 * test/packages/anysum with its validator rewritten in Java (a public class of its own name),
 * test/packages/guess with its interactor in Python keeping its file's name and importing a
 * module beside it, and again in Java in a 2025-09 package, where it runs in the submission's
 * directory (its class path moved to /validator), and test/packages/graded with its grader in
 * JavaScript.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Judge } from '../src/judge/judge';
import { judgeJson } from './helpers/judge-cli';
import { useTestJudge } from './helpers/judge-fixture';
import { packageVariant } from './helpers/package-variant';

const PACKAGES = path.join(__dirname, 'packages');
const ANYSUM = path.join(PACKAGES, 'anysum');
const GUESS = path.join(PACKAGES, 'guess');
const GRADED = path.join(PACKAGES, 'graded');

let judge: Judge;
useTestJudge('caged-validator-languages-cache-', (j) => (judge = j));
const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});

/** `caged judge PACKAGE SUBMISSION --json`: its exit code, what it wrote, and its result. */
const judged = (pkg: string, submission: string) => judgeJson(judge, [pkg, submission]);

/** A copy of a package with some files replaced (relative path → content; null removes). */
const variant = (base: string, changes: Record<string, string | null>): string => packageVariant(base, changes, scratch);

const submission = (pkg: string, folder: string, file: string) => path.join(pkg, 'submissions', folder, file);

/** anysum's validator (pair.cpp) in Java: a + b = n, both non-negative with the flag. */
const PAIR_JAVA = `import java.io.*;
import java.nio.file.*;
import java.util.*;

public class PairCheck {
  static String feedback;
  static void say(String text, int code) throws IOException {
    Files.writeString(Path.of(feedback, "judgemessage.txt"), text);
    System.exit(code);
  }
  public static void main(String[] args) throws IOException {
    feedback = args[2];
    boolean nonnegative = Arrays.asList(args).subList(3, args.length).contains("nonnegative");
    long n = new Scanner(new File(args[0])).nextLong();
    Scanner team = new Scanner(System.in);
    if (!team.hasNextLong()) say("expected two integers", 43);
    long a = team.nextLong();
    if (!team.hasNextLong()) say("expected two integers", 43);
    long b = team.nextLong();
    if (team.hasNext()) say("trailing output", 43);
    if (nonnegative && (a < 0 || b < 0)) say("a negative summand (java)", 43);
    if (a + b != n) say("the summands do not add up", 43);
    say("ok", 42);
  }
}
`;

describe('a package validator in Java', () => {
  const pkg = () =>
    variant(ANYSUM, {
      'output_validators/pair/pair.cpp': null,
      'output_validators/pair/validate.h': null,
      'output_validators/pair/PairCheck.java': PAIR_JAVA,
    });

  it('is compiled as javac wants it (its own class name) and judges with its flags', async () => {
    const dir = pkg();
    const ok = await judged(dir, submission(ANYSUM, 'accepted', 'swap.py'));
    expect(ok.result).toMatchObject({ verdict: 'AC' });
    const wa = await judged(dir, submission(ANYSUM, 'wrong_answer', 'negative.cpp'));
    expect(wa.result?.verdict).toBe('WA');
    expect(wa.result?.tests.find((t) => t.verdict === 'WA')?.checkerMessage).toBe('a negative summand (java)');
  }, 240_000);

  it('without a class with main is refused before anything runs, naming its directory', async () => {
    const dir = variant(pkg(), { 'output_validators/pair/PairCheck.java': 'public class PairCheck {}\n' });
    await expect(judged(dir, submission(ANYSUM, 'accepted', 'swap.py'))).rejects.toThrow(
      'output_validators/pair: no top-level class with public static void main in the java sources',
    );
  }, 120_000);
});

/** guess's interactor (guess.c) in Python: its logic in a module beside it. */
const GUESS_LIB = `import sys

def play(secret, feedback):
    for _ in range(10):
        line = sys.stdin.readline()
        if not line.strip():
            break
        guess = int(line)
        if guess == secret:
            print("=", flush=True)
            open(feedback + "/judgemessage.txt", "w").write("found (python)")
            return 42
        print("<" if guess > secret else ">", flush=True)
    open(feedback + "/judgemessage.txt", "w").write("no luck (python)")
    return 43
`;
const GUESS_PY = `import sys
from interact_lib import play

sys.exit(play(int(open(sys.argv[1]).read()), sys.argv[3]))
`;

/** guess's interactor in Java. */
const GUESS_JAVA = `import java.io.*;
import java.nio.file.*;

public class Interactor {
  public static void main(String[] args) throws IOException {
    int secret = Integer.parseInt(Files.readString(Path.of(args[0])).trim());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    PrintStream out = System.out;
    for (int round = 0; round < 10; round++) {
      String line = in.readLine();
      if (line == null || line.isBlank()) break;
      int guess = Integer.parseInt(line.trim());
      if (guess == secret) {
        out.println("=");
        out.flush();
        Files.writeString(Path.of(args[2], "judgemessage.txt"), "found (java)");
        System.exit(42);
      }
      out.println(guess > secret ? "<" : ">");
      out.flush();
    }
    Files.writeString(Path.of(args[2], "judgemessage.txt"), "no luck (java)");
    System.exit(43);
  }
}
`;

describe('an interactor in another language', () => {
  it('in Python keeps its own file name and imports the module beside it', async () => {
    // Of several Python files the entry is the first by name (none is main.py or __main__.py), as problemtools chooses.
    const dir = variant(GUESS, {
      'output_validator/guess.c': null,
      'output_validator/interact.py': GUESS_PY,
      'output_validator/interact_lib.py': GUESS_LIB,
    });
    const ok = await judged(dir, submission(GUESS, 'accepted', 'bisect.c'));
    expect(ok.result?.verdict).toBe('AC');
    expect(ok.result?.tests[0]?.checkerMessage).toBe('found (python)');
    const wa = await judged(dir, submission(GUESS, 'wrong_answer', 'linear.c'));
    expect(wa.result?.verdict).toBe('WA');
  }, 240_000);

  it("in Java runs in a 2025-09 package's submission directory, its class path moved to /validator", async () => {
    const dir = variant(GUESS, {
      'problem.yaml': [
        'problem_format_version: 2025-09',
        'type: interactive',
        'name: Guess the number',
        'uuid: 0e5c1a7e-3b7e-4a49-9f8f-6d1f6c1b7a01',
        'limits:',
        '  time_limit: 1',
        '  memory: 256',
        '',
      ].join('\n'),
      'output_validator/guess.c': null,
      'output_validator/Interactor.java': GUESS_JAVA,
    });
    const ok = await judged(dir, submission(GUESS, 'accepted', 'bisect.py'));
    expect(ok.result).toMatchObject({ verdict: 'AC' });
    expect(ok.result?.tests[0]?.checkerMessage).toBe('found (java)');
    const wa = await judged(dir, submission(GUESS, 'wrong_answer', 'linear.c'));
    expect(wa.result?.verdict).toBe('WA');
  }, 240_000);
});

/** graded's grader (grader.py) in JavaScript: AC with per_accepted points per accepted sub-result, else the first verdict. */
const GRADER_JS = `const flags = process.argv.slice(2);
const per = flags.includes('per_accepted') ? Number(flags[flags.indexOf('per_accepted') + 1]) : 1;
const lines = require('fs').readFileSync(0, 'utf8').split('\\n').filter((l) => l.trim()).map((l) => l.trim().split(/\\s+/));
const accepted = lines.filter(([v]) => v === 'AC').length;
console.log(accepted ? \`AC \${accepted * per}\` : \`\${lines.length ? lines[0][0] : 'AC'} 999\`);
`;

describe('a grader in JavaScript', () => {
  it('grades the groups as the Python one does, with its flags', async () => {
    const dir = variant(GRADED, { 'graders/grader.py': null, 'graders/grader.js': GRADER_JS });
    const sub = path.join(dir, 'half.py');
    // Right where a < 5: the sample and secret/1 (2 3) of secret's three.
    fs.writeFileSync(sub, 'a, b = map(int, input().split())\nprint(a + b if a < 5 else 0)\n');
    const r = await judged(dir, sub);
    expect(r.result?.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'WA', 'WA']);
    expect(r.result?.groups?.find((g) => g.name === 'secret')).toMatchObject({ verdict: 'AC', score: 10, maxScore: 30 });
    const python = await judged(GRADED, sub);
    expect(python.result?.groups?.find((g) => g.name === 'secret')).toMatchObject({ verdict: 'AC', score: 10, maxScore: 30 });
  }, 240_000);
});
