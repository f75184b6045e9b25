/**
 * An interactive multi-pass package (test/packages/relay, 2023-07 `type: [interactive,
 * multi-pass]`): the interactor's nextpass.in is its own input for the next pass, and the
 * submission runs again from scratch beside it. Every submission gets its folder's verdict, and
 * the second pass is seen to run (the last pass's judgemessage.txt), the interactor's state kept
 * in its feedback directory between passes (it fails without). Real runs, real image.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Judge } from '../src/judge/judge';
import { judgePackage } from '../src/problem/judge-package';
import { loadPackage } from '../src/problem/problem-package';
import { readPackageSubmission } from '../src/problem/time-limit';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

const RELAY = path.join(__dirname, 'packages', 'relay');

let dir: string;
let sandbox: Sandbox;
let judge: Judge;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-relay-'));
  sandbox = await Sandbox.create();
  judge = await Judge.create({ sandbox, manifestPath: TEST_MANIFEST, compileCacheDir: path.join(dir, 'cache') });
}, 120_000);

afterAll(async () => {
  await judge?.close();
  await sandbox?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function judged(rel: string) {
  const pkg = loadPackage(RELAY);
  const sub = readPackageSubmission(judge, pkg, `submissions/${rel}`);
  if ('skipped' in sub) throw new Error(sub.skipped);
  return judgePackage(judge, pkg, sub);
}

describe('an interactive multi-pass package', () => {
  it('is read as both', () => {
    expect(loadPackage(RELAY).config.validation).toMatchObject({ kind: 'multi-pass', interactive: true });
  });

  it.each(['accepted/double.py', 'accepted/double.c'])(
    'accepts %s after two passes of every test',
    async (rel) => {
      const r = await judged(rel);
      expect(r.verdict).toBe('AC');
      expect(r.tests.map((t) => t.checkerMessage)).toEqual(['pass 2: 6 doubled', 'pass 2: 14 doubled']);
    },
    60_000,
  );

  it('gives WA to a submission that fails only the second pass, naming it', async () => {
    const r = await judged('wrong_answer/small.py');
    expect(r.verdict).toBe('WA');
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'WA']);
    expect(r.tests[1]!.checkerMessage).toBe('pass 2: 0 is not twice 14');
  }, 60_000);
});
