/**
 * The doctor's probe of where job directories go (src/linux/state-dirs.ts jobsDir, as the
 * sandbox decides it): as root each job is a size-capped tmpfs of its own; rootless, the user's
 * jobs tmpfs (`scripts/setup-host.sh --user`) caps what the boxes' compiles write there
 * together, and without it nothing does (warn: a compile can run the submission's own code).
 */
import path from 'node:path';
import { jobsDir } from '../linux/state-dirs';
import { setupHostCommand } from '../sandbox/rootless';
import { finding, type Finding } from './finding';
import type { HostView } from './host-view';

const TITLE = 'job directories';

export function jobsFinding(host: HostView, rootless: boolean, opts: { jobsDir: string | null; stateDir: string }): Finding {
  const env = { CAGED_JOBS_DIR: opts.jobsDir ?? '', CAGED_STATE_DIR: opts.stateDir };
  if (!rootless) return finding('jobs', TITLE, 'ok', `in ${jobsDir(false, env)}, each job a size-capped tmpfs of its own`);
  const { userName, uid } = host.identity;
  const dir = jobsDir(
    true,
    env,
    { name: userName, uid },
    {
      tmpfs: (d) => host.onTmpfs(d),
      dirOwner: (d) => {
        const st = host.stat(d);
        return st?.isDirectory ? st.uid : null;
      },
    },
  );
  if (host.onTmpfs(dir))
    return finding('jobs', TITLE, 'ok', `in ${dir}, a tmpfs: its size caps what the boxes' compiles write there together`);
  return finding(
    'jobs',
    TITLE,
    'warn',
    `in ${dir}, on a filesystem nothing caps: a compile may fill it (it can run the submission's own code: Perl's BEGIN, Template Haskell); ${path.join('/var/lib/caged/jobs', userName)} is not a tmpfs of ${userName}'s`,
    setupHostCommand(userName),
  );
}
