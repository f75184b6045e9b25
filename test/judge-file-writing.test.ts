/**
 * `allowFileWriting: false` (a problem package's default, `allow_file_writing`): each test's
 * /box is read-only to the program, whatever lies in it (the compiled box, the compile cache's
 * entry lent as a layer, the test's own files), in a plain test and in an interactive one, with
 * and without overlayfs. Its writes there fail with EROFS; /tmp stays writable; the compile
 * step still writes its artefact, and an interactor its own box. Without the field, /box is
 * writable as it always was; `caged run --no-file-writing` asks for it. Runs as root and
 * rootless (scripts/test-rootless.sh).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Judge } from '../src/judge/judge';
import type { SubmissionInput } from '../src/judge/schema';
import { runVerdict } from './helpers/judge-cli';
import { useTestJudge } from './helpers/judge-fixture';

let judge: Judge;
useTestJudge('caged-file-writing-cache-', (j) => (judge = j));

/**
 * Tries each kind of write in its working directory and prints what each gave; then writes and
 * reads back /tmp/t and reads the test's hint.txt when there is one. `tag` makes the source
 * (and its compile-cache key) unique.
 */
function probe(tag = crypto.randomBytes(6).toString('hex')): string {
  return `/* ${tag} */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
static const char *how(int rc) { return rc == 0 ? "ok" : errno == EROFS ? "EROFS" : strerror(errno); }
int main(void) {
  int fd = open("new.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
  printf("create=%s", how(fd >= 0 ? 0 : -1));
  printf(" mkdir=%s", how(mkdir("d", 0755)));
  printf(" unlink=%s", how(unlink("main")));
  FILE *t = fopen("/tmp/t", "w");
  int tmp = t && fputs("x", t) >= 0 && fclose(t) == 0;
  char b[8] = {0};
  t = fopen("/tmp/t", "r");
  if (t) { fread(b, 1, 1, t); fclose(t); }
  printf(" tmp=%s", tmp && strcmp(b, "x") == 0 ? "ok" : "failed");
  FILE *h = fopen("hint.txt", "r");
  char w[16] = "absent";
  if (h) { if (fscanf(h, "%15s", w) != 1) strcpy(w, "empty"); fclose(h); }
  printf(" hint=%s\\n", w);
  return 0;
}
`;
}

const READ_ONLY = 'create=EROFS mkdir=EROFS unlink=EROFS tmp=ok';
const WRITABLE = 'create=ok mkdir=ok unlink=ok tmp=ok';
const TESTS: SubmissionInput['testcases'] = [{}, { files: [{ path: 'hint.txt', content: 'seen\n' }] }, {}];

const outputs = (r: Awaited<ReturnType<Judge['judge']>>) => r.tests.map((t) => [t.verdict, t.stdout.trim()]);

describe('when file writing is not allowed', () => {
  it('keeps /box read-only in every test, compiled or from the cache, with test files or without; /tmp stays writable', async () => {
    const sub: SubmissionInput = { language: 'c', source: probe(), testcases: TESTS, allowFileWriting: false };
    const expected = [
      ['AC', `${READ_ONLY} hint=absent`],
      ['AC', `${READ_ONLY} hint=seen`],
      ['AC', `${READ_ONLY} hint=absent`],
    ];
    const first = await judge.judge(sub);
    expect(first.compile).toMatchObject({ verdict: 'OK', cached: false });
    expect(outputs(first)).toEqual(expected);
    // The hit lends the cache's entry as a layer of /box: read-only too.
    const hit = await judge.judge(sub);
    expect(hit.compile).toMatchObject({ verdict: 'OK', cached: true });
    expect(outputs(hit)).toEqual(expected);
  });

  it('leaves /box writable without the field, and with allowFileWriting: true', async () => {
    const source = probe();
    for (const extra of [{}, { allowFileWriting: true }]) {
      const r = await judge.judge({ language: 'c', source, testcases: TESTS, ...extra });
      expect(outputs(r)).toEqual([
        ['AC', `${WRITABLE} hint=absent`],
        ['AC', `${WRITABLE} hint=seen`],
        ['AC', `${WRITABLE} hint=absent`],
      ]);
    }
  });

  it('makes an interpreted program that writes into its working directory fail (RE), with the reason in its stderr', async () => {
    const source = 'open("out.txt", "w").write("x")\nprint("written")\n';
    const denied = await judge.judge({ language: 'python3', source, testcases: [{ expected: 'written' }], allowFileWriting: false });
    expect(denied.verdict).toBe('RE');
    expect(denied.tests[0]!.stderr).toMatch(/Read-only file system/);
    expect((await judge.judge({ language: 'python3', source, testcases: [{ expected: 'written' }] })).verdict).toBe('AC');
  });

  it('is what caged run --no-file-writing asks for', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-file-writing-cli-'));
    try {
      const main = path.join(dir, 'main.py');
      fs.writeFileSync(main, 'open("out.txt", "w").write("x")\nprint("written")\n');
      const verdictOf = async (...flags: string[]) => {
        const { code, verdict } = await runVerdict(judge, [main, '--lang', 'python3', ...flags]);
        expect(code).toBe(0);
        return verdict;
      };
      expect(await verdictOf('--no-file-writing')).toBe('RE');
      expect(await verdictOf()).toBe('AC');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps the submission's /box read-only beside an interactor, whose own box stays writable", async () => {
    // The interactor writes into its own working directory, then accepts when the submission
    // reports that it could not create a file in its own.
    const interactor = [
      'import sys',
      "open('mine.txt', 'w').write('x')",
      'got = sys.stdin.readline().strip()',
      "open(sys.argv[3] + 'judgemessage.txt', 'w').write(got)",
      "sys.exit(42 if got.startswith('create=EROFS') else 43)",
    ].join('\n');
    const base = { language: 'c', source: probe(), testcases: [{ stdin: '1\n' }], interactor: { language: 'python3', source: interactor } };
    const r = await judge.judge({ ...base, allowFileWriting: false });
    expect({ verdict: r.verdict, message: r.tests[0]!.checkerMessage }).toEqual({ verdict: 'AC', message: `${READ_ONLY} hint=absent` });
    const writable = await judge.judge(base);
    expect({ verdict: writable.verdict, message: writable.tests[0]!.checkerMessage }).toEqual({
      verdict: 'WA',
      message: `${WRITABLE} hint=absent`,
    });
  });
});

describe('when the sandbox has no overlayfs', () => {
  let fallback: Judge;
  useTestJudge('caged-file-writing-plain-', (j) => (fallback = j), {}, { overlay: false });

  it("keeps the test's copy of /box read-only as well", async () => {
    const source = probe();
    const r = await fallback.judge({ language: 'c', source, testcases: TESTS, allowFileWriting: false });
    expect(outputs(r)).toEqual([
      ['AC', `${READ_ONLY} hint=absent`],
      ['AC', `${READ_ONLY} hint=seen`],
      ['AC', `${READ_ONLY} hint=absent`],
    ]);
    const w = await fallback.judge({ language: 'c', source, testcases: TESTS.slice(0, 1) });
    expect(outputs(w)).toEqual([['AC', `${WRITABLE} hint=absent`]]);
  }, 120_000);
});
