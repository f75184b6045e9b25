/**
 * What a compile writes into its job directory is capped on the host, as root and rootless
 * (scripts/test-rootless.sh): a compile can run the submission's own code (Perl's BEGIN blocks
 * under `perl -c`, Template Haskell, Lisp's read-time evaluation), and a compile's /box is its
 * job directory itself. As root each job directory is a size-capped tmpfs of its own; rootless,
 * the jobs directory is the user's tmpfs that scripts/setup-host.sh --user mounts
 * (/var/lib/caged/jobs/<user>), so the writes land in memory charged to the compile's own
 * cgroup and within that tmpfs, never on the host's disk.
 */
import fs from 'node:fs';
import type { Judge } from '../src/judge/judge';
import { onTmpfs } from '../src/linux/state-dirs';
import { Sandbox } from '../src/sandbox/sandbox';
import { useTestJudge } from './helpers/judge-fixture';
import { ROOTLESS } from './helpers/mode';

let judge: Judge;
useTestJudge('caged-compile-disk-cache-', (j) => (judge = j));

describe('a compile that writes without end into its box', () => {
  it('fails (CE) within the caps: 40 files of 60 MB (each under the compile file size limit) never all land', async () => {
    const before = fs.statfsSync('/');
    // 2.4 GB in all: more than a job's tmpfs, its compile's memory, and anything a host disk should take from one job.
    const source = [
      'BEGIN {',
      '  my $block = "x" x (60 << 20);',
      '  for my $i (0 .. 39) {',
      '    open(my $f, ">", "fill$i") or die "open $i: $!\\n";',
      '    print $f $block or die "write $i: $!\\n";',
      '    close($f) or die "close $i: $!\\n";',
      '  }',
      '}',
      'print "wrote it all\\n";',
    ].join('\n');
    const r = await judge.judge({ language: 'perl', source, testcases: [{ stdin: '', expected: 'wrote it all\n' }] });
    expect(r.verdict).toBe('CE');
    expect(r.compile?.verdict).not.toBe('OK');
    const after = fs.statfsSync('/');
    // The root filesystem lost no more than a few hundred MB meanwhile (other suites may write a little).
    expect((before.bavail - after.bavail) * before.bsize).toBeLessThan(512 * 2 ** 20);
  }, 120_000);

  it(ROOTLESS ? "keeps rootless job directories on the user's jobs tmpfs" : 'gives each job a tmpfs of its own as root', async () => {
    const sandbox = await Sandbox.create({ preparedContainers: 0, cleanupAtStart: false });
    try {
      expect(sandbox.jobsCapped).toBe(true);
      if (ROOTLESS) {
        expect(sandbox.jobsDir).toMatch(/^\/var\/lib\/caged\/jobs\/[^/]+$/);
        expect(onTmpfs(sandbox.jobsDir)).toBe(true);
      }
    } finally {
      await sandbox.close();
    }
  });
});
