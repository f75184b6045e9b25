/**
 * Where the worker keeps its state (image cache, job directories, compile cache) and its
 * runtime files (mount points, id leases). Root: /var/lib/caged and /run/caged, shared by
 * every worker on the host. An ordinary user (rootless mode) cannot write those: it gets a
 * store of its own, unpacked from the same image as that user (docs/security.md, "Rootless").
 *
 *   state:   $CAGED_STATE_DIR, else /var/lib/caged (root), else $XDG_DATA_HOME/caged,
 *            else ~/.local/share/caged
 *   runtime: $CAGED_RUNTIME_DIR, else /run/caged (root), else $XDG_RUNTIME_DIR/caged,
 *            else <tmpdir>/caged-<uid> (made 0700 and checked to be the user's own)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostError } from '../errors';

const isRoot = (): boolean => process.geteuid?.() === 0;

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAGED_STATE_DIR) return path.resolve(env.CAGED_STATE_DIR);
  if (isRoot()) return '/var/lib/caged';
  if (env.XDG_DATA_HOME) return path.join(path.resolve(env.XDG_DATA_HOME), 'caged');
  return path.join(os.homedir(), '.local', 'share', 'caged');
}

export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAGED_RUNTIME_DIR) return path.resolve(env.CAGED_RUNTIME_DIR);
  if (isRoot()) return '/run/caged';
  if (env.XDG_RUNTIME_DIR) return path.join(path.resolve(env.XDG_RUNTIME_DIR), 'caged');
  return path.join(os.tmpdir(), `caged-${process.geteuid?.() ?? 'user'}`);
}

/**
 * Makes `dir` (mode 0700 when new) and checks it is a directory of this user's, not a link:
 * in a shared /tmp another user could have made it first.
 */
export function ownPrivateDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  const uid = process.geteuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new HostError(`${dir} is not a directory of this user's (uid ${uid}): remove it or set CAGED_RUNTIME_DIR`);
  }
  return dir;
}
