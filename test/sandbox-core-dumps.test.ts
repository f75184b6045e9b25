/**
 * A crashing program dumps no core: not to a file, and not to a piped core_pattern, whose helper
 * (apport, systemd-coredump) the kernel starts as root on the host whatever namespace the
 * program is in, unless the program's RLIMIT_CORE is exactly 1. The box sets 1 and seccomp keeps
 * the program from changing it. Real containers running test/programs/coredump.c; the host side
 * is the same source built by the host's gcc. The core_pattern tests need root (they set the
 * host's pattern for a moment and put it back); the limit test runs in every tier.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { outcomeOf } from '../src/sandbox/outcome';
import { Sandbox } from '../src/sandbox/sandbox';
import { testRootfs } from './helpers/image';
import { compilePrograms, type Programs } from './helpers/programs';

const CORE_PATTERN = '/proc/sys/kernel/core_pattern';
const asRoot = process.getuid?.() === 0 ? it : it.skip;

let sandbox: Sandbox;
let programs: Programs;
let hostDir: string;
let hostTool: string;

beforeAll(async () => {
  sandbox = await Sandbox.create();
  programs = await compilePrograms(sandbox, await testRootfs());
  hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-core-'));
  hostTool = path.join(hostDir, 'coredump');
  execFileSync('gcc', ['-O1', '-o', hostTool, path.join(__dirname, 'programs', 'coredump.c')]);
}, 180_000);

afterAll(async () => {
  programs?.job.remove();
  if (hostDir) fs.rmSync(hostDir, { recursive: true, force: true });
  await sandbox?.close();
});

/** Runs `body` with the host's core_pattern set to `pattern`, then puts the old one back. */
async function withCorePattern<T>(pattern: string, body: () => Promise<T>): Promise<T> {
  const before = fs.readFileSync(CORE_PATTERN, 'utf8').replace(/\n$/, '');
  fs.writeFileSync(CORE_PATTERN, pattern);
  try {
    return await body();
  } finally {
    fs.writeFileSync(CORE_PATTERN, before);
  }
}

describe("a box's core limit", () => {
  it('is 1, and stays 1 whatever the program asks', async () => {
    const lower = await programs.run(['./coredump', 'lower']);
    expect(outcomeOf(lower).status).toBe('RE');
    expect(lower.signal).toBe('SIGSEGV');
    // setrlimit is reported done (a program lowering it wants no cores: it gets none).
    expect(lower.stdout.toString()).toBe(`start 1 1\nsetrlimit 0\n${process.arch === 'x64' ? 'raw 0\n' : ''}after 1 1\n`);
    // Setting it while asking for the old one is refused: the old one cannot be filled in.
    const old = await programs.run(['./coredump', 'old']);
    expect(old.stdout.toString()).toBe('start 1 1\nprlimit -1 1\nafter 1 1\n'); // EPERM
    expect(old.exitCode).toBe(0);
  });
});

describe('a crashing program, as root sets the host', () => {
  asRoot('writes no core file under a file core_pattern', async () => {
    const listing = await withCorePattern('core', () => programs.run(['/bin/sh', '-c', './coredump lower; ls -a; exit 0']));
    const text = listing.stdout.toString();
    expect(text).toContain('after 1 1'); // it ran, and crashed before `ls`
    expect(text.split('\n')).toContain('coredump.c');
    expect(text.split('\n').filter((f) => /^core(\.\d+)?$/.test(f))).toEqual([]); // core or core.PID
  });

  asRoot("never starts a piped core_pattern's helper, which the same program on the host does", async () => {
    const log = path.join(hostDir, 'helper.log');
    const helper = path.join(hostDir, 'helper.sh');
    fs.writeFileSync(helper, `#!/bin/sh\necho "$1" >> ${log}\ncat > /dev/null\n`, { mode: 0o755 });
    const seen = (): string[] => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
    await withCorePattern(`|${helper} %e`, async () => {
      const boxed = await programs.run(['./coredump', 'lower', 'cagedcorebox']);
      expect(boxed.signal).toBe('SIGSEGV');
      // The control: outside a box, lowering the limit to 0 and crashing starts the helper.
      const host = spawnSync(hostTool, ['lower', 'cagedcorehost'], { encoding: 'utf8' });
      expect(host.signal).toBe('SIGSEGV');
      for (const end = Date.now() + 10_000; !seen().includes('cagedcorehost');) {
        if (Date.now() > end) throw new Error(`the host's crash did not start the helper: ${JSON.stringify(seen())}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 500)); // the box's, had it started, was started first
    });
    expect(seen()).toEqual(['cagedcorehost']);
  });
});
