/**
 * `caged exec` shows what a program inside sees: hostname caged, uid/gid 256 mapped to an
 * unprivileged host id, the image's root and nothing of the host, only a loopback interface,
 * no capabilities, a seccomp filter, and /proc with the host-revealing files masked.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TEST_MANIFEST, testImage } from './helpers/image';
import { ROOTLESS } from './helpers/mode';

const CLI = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
/** The base layer: what `--layer base` mounts. */
let rootfs: string;

beforeAll(async () => {
  rootfs = (await testImage()).layers.find((l) => l.parent === null)!.rootfsDir;
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run \`npm run build\``);
});

function exec(script: string, ...flags: string[]): string {
  return execFileSync('node', [CLI, 'exec', '--image', TEST_MANIFEST, '--layer', 'base', ...flags, '--', '/bin/sh', '-c', script], {
    encoding: 'utf8',
  });
}

describe('caged exec', () => {
  it('shows the container identity and isolation', () => {
    const out = exec('hostname; id -u; id -g; cat /proc/self/uid_map; ls /; ip link 2>/dev/null || cat /proc/net/dev').split('\n');
    expect(out[0]).toBe('caged');
    expect(out[1]).toBe('256');
    expect(out[2]).toBe('256');
    const map = out[3]!.trim().split(/\s+/).map(Number);
    expect(map[0]).toBe(256);
    // Root mode: the host uid itself. Rootless: an id of the worker's user namespace other than its
    // root (the worker); the host uid behind it is test/sandbox-rootless.test.ts's.
    if (ROOTLESS) expect(map[1]).toBeGreaterThanOrEqual(1);
    else expect(map[1]).toBeGreaterThanOrEqual(65536);
    expect(map[2]).toBe(1);
    const listing = out.slice(4);
    const imageRoot = fs.readdirSync(rootfs);
    for (const entry of ['bin', 'etc', 'usr', 'box', 'proc', 'dev', 'tmp']) expect(listing).toContain(entry);
    // Nothing but the image's own top-level entries (and the mount points caged adds).
    for (const entry of listing.filter((l) => l && !l.includes(':') && !l.includes('|') && !l.startsWith(' '))) {
      expect([...imageRoot, 'box', 'proc', 'dev', 'tmp']).toContain(entry);
    }
    const interfaces = out.filter((l) => /^\s*\w+:/.test(l)).map((l) => l.trim().split(':')[0]);
    expect(interfaces).toEqual(['lo']);
  });

  it('starts the program with no signal blocked or ignored (Node, the worker, ignores SIGPIPE)', () => {
    const out = exec('grep -E "^Sig(Blk|Ign):" /proc/self/status').trim().split('\n');
    expect(out).toEqual(['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000']);
  });

  it("maps uid/gid 256 to one host id and nothing else, and leaves the program nothing of its init's", () => {
    const out = exec(
      'cat /proc/self/uid_map; echo -; cat /proc/self/gid_map; echo -; cat /proc/self/setgroups; kill -0 1 2>/dev/null && echo signalled; readlink /proc/1/ns/user || echo unreadable',
    )
      .trim()
      .split('\n');
    const lines = (from: number): number[][] => {
      const end = out.indexOf('-', from);
      return out.slice(from, end < 0 ? undefined : end).map((l) => l.trim().split(/\s+/).map(Number));
    };
    const uidMap = lines(0);
    const gidMap = lines(uidMap.length + 1);
    // One line each: 256 inside, one id outside (a host id of its own, or rootless an id of the
    // worker's namespace other than its root), a range of 1. Root (0 inside) is not mapped.
    for (const map of [uidMap, gidMap]) {
      expect(map).toHaveLength(1);
      expect(map[0]![0]).toBe(256);
      expect(map[0]![1]).toBeGreaterThanOrEqual(ROOTLESS ? 1 : 65536);
      expect(map[0]![2]).toBe(1);
    }
    const rest = out.slice(uidMap.length + gidMap.length + 2);
    expect(rest[0]).toBe('deny');
    // B (PID 1) is root of an ancestor user namespace: no signal, no look at its namespaces.
    expect(rest).not.toContain('signalled');
    expect(rest).toContain('unreadable');
  });

  it('runs the program without privileges', () => {
    const status = exec('grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status; echo pid $$');
    for (const cap of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(status).toMatch(new RegExp(`${cap}:\\s+0000000000000000`));
    expect(status).toMatch(/NoNewPrivs:\s+1/);
    expect(status).toMatch(/Seccomp:\s+2/);
    expect(status).toMatch(/pid 2\b/); // the program is not PID 1: the init stays with it
  });

  it('masks /proc and offers only harmless devices', () => {
    const out = exec(
      'cat /proc/kcore 2>/dev/null | wc -c; cat /proc/keys | wc -c; ls /dev; echo x > /proc/sys/kernel/hostname 2>&1 || echo ro; ls -d /sys 2>&1 || true',
    );
    const lines = out.split('\n');
    expect(lines[0]).toBe('0');
    expect(lines[1]).toBe('0');
    expect(lines.slice(2, 13)).toEqual(expect.arrayContaining(['null', 'zero', 'full', 'random', 'urandom', 'shm', 'fd']));
    expect(out).not.toMatch(/\bsda\b|\bvda\b|\bmem\b|\bkmsg\b/);
    expect(out).toMatch(/ro|Read-only/);
  });

  it('prints a JSON result with --json', () => {
    const out = JSON.parse(exec('echo hi; exit 4', '--json')) as { status: string; exitCode: number; stdout: string; cpuTimeMs: number };
    expect(out.status).toBe('RE');
    expect(out.exitCode).toBe(4);
    expect(out.stdout).toBe('hi\n');
    expect(typeof out.cpuTimeMs).toBe('number');
  });

  it('refuses bad input with a one-line error and a non-zero status', () => {
    const missing = spawnSync('node', [CLI, 'exec', '--rootfs', '/nonexistent', '--', 'true'], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--rootfs: not a directory/);
    const badLimit = spawnSync('node', [CLI, 'exec', '--rootfs', rootfs, '--time', '-1', '--', 'true'], { encoding: 'utf8' });
    expect(badLimit.status).toBe(2);
    expect(badLimit.stderr).toMatch(/--time/);
    const noCommand = spawnSync('node', [CLI, 'exec', '--rootfs', rootfs, '--', 'no-such-program'], { encoding: 'utf8' });
    expect(noCommand.status).not.toBe(0);
    expect(noCommand.stderr).toMatch(/exec: ENOENT/);
    const twoRoots = spawnSync('node', [CLI, 'exec', '--rootfs', rootfs, '--layer', 'base', '--', 'true'], { encoding: 'utf8' });
    expect(twoRoots.status).toBe(2);
    expect(twoRoots.stderr).toMatch(/give at most one of --lang, --layer and --rootfs/);
    const noLayer = spawnSync('node', [CLI, 'exec', '--image', TEST_MANIFEST, '--layer', 'nope', '--', 'true'], { encoding: 'utf8' });
    expect(noLayer.status).toBe(2);
    expect(noLayer.stderr).toMatch(/--layer: the image has no layer "nope" \(it has: base/);
    const noLang = spawnSync('node', [CLI, 'exec', '--image', TEST_MANIFEST, '--lang', 'swift', '--', 'true'], { encoding: 'utf8' });
    expect(noLang.status).toBe(2);
    expect(noLang.stderr).toMatch(/--lang: the image has no language "swift" \(it has: .*c/);
  });

  it("runs in a language's chain with the language's environment (--lang)", () => {
    const out = execFileSync(
      'node',
      [CLI, 'exec', '--image', TEST_MANIFEST, '--lang', 'c', '--', '/bin/sh', '-c', 'command -v gcc; echo $PATH'],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(/^\/usr\/bin\/gcc\n/);
  });
});
