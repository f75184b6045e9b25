/**
 * The time limit a package is pushed or packed with (src/cli/package-time.ts), where nothing is
 * derived: the package's own, --time as the fallback, and a refusal that says what to give.
 * (--derive-time judges the package's submissions: test/queue-problem-dir.test.ts.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidRequestError } from '../../src/errors';
import { packageTimeLimit } from '../../src/cli/package-time';

const PACKAGES = path.join(__dirname, '..', 'packages');
const MAX = 2 ** 30;

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-package-time-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function copy(name: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(path.join(PACKAGES, name), dir, { recursive: true });
  return dir;
}

describe('the time limit a package leaves with', () => {
  it('refuses a package without one, saying what to give', async () => {
    const err = await packageTimeLimit(copy('timed'), { derive: false, maxBytes: MAX }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as Error).message).toMatch(/gives no time limit .*workers do not derive one: give --time S, or --derive-time/);
  });

  it('takes --time for a package without one, to be added as .timelimit', async () => {
    expect(await packageTimeLimit(copy('timed'), { time: 0.5, derive: false, maxBytes: MAX })).toEqual({
      seconds: 0.5,
      from: '--time',
      add: 0.5,
      notes: [],
    });
  });

  it("keeps a package's own limit, noting a --time it does not use, and refuses --derive-time beside it", async () => {
    const sum = copy('sum'); // a .timelimit
    expect(await packageTimeLimit(sum, { derive: false, maxBytes: MAX })).toEqual({ seconds: 1, from: '.timelimit', notes: [] });
    const noted = await packageTimeLimit(sum, { time: 3, derive: false, maxBytes: MAX });
    expect(noted).toMatchObject({ seconds: 1, from: '.timelimit' });
    expect(noted.add).toBeUndefined();
    expect(noted.notes).toEqual(['--time 3 not used: the package gives its time limit (1 s in .timelimit)']);
    await expect(packageTimeLimit(sum, { derive: true, maxBytes: MAX })).rejects.toThrow(
      /gives its time limit \(1 s in \.timelimit\): nothing to derive/,
    );
    await expect(packageTimeLimit(copy('timed'), { time: 1, derive: true, maxBytes: MAX })).rejects.toThrow(
      /give one of --time and --derive-time/,
    );
    const again = await packageTimeLimit(copy('timed'), { time: 1, derive: false, again: true, maxBytes: MAX }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(InvalidRequestError);
    expect(again).toMatchObject({ message: '--derive-again: goes with --derive-time', field: '--derive-again' });
  });

  it('refuses a package caged cannot judge before anything is stored', async () => {
    const dir = copy('timed');
    fs.appendFileSync(path.join(dir, 'problem.yaml'), 'no_such_key: 1\n');
    await expect(packageTimeLimit(dir, { time: 1, derive: false, maxBytes: MAX })).rejects.toThrow(/no_such_key/);
  });
});
