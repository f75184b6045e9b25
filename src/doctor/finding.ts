/**
 * One line of `caged doctor`: a capability the sandbox rests on, what this host offers for it in
 * plain words, and, when something is missing, the one command that fixes it.
 */

/** Stable names of the findings (the JSON's keys; tests and log lines use them). */
export type FindingKey =
  'identity' | 'userns' | 'overlay' | 'cgroup' | 'cpus' | 'disk' | 'seccomp' | 'subids' | 'idmap' | 'devices' | 'jobs' | 'image' | 'redis';

/**
 * - `ok`: there and working;
 * - `warn`: works, with a weaker or slower fallback worth knowing;
 * - `missing`: absent or broken (the report says whether the worker can run without it);
 * - `skipped`: not needed in the mode the worker runs in, or not checked.
 */
export type FindingStatus = 'ok' | 'warn' | 'missing' | 'skipped';

export interface Finding {
  key: FindingKey;
  /** What the capability is: "user namespaces". */
  title: string;
  status: FindingStatus;
  /** What the host offers or lacks, in plain words. */
  detail: string;
  /** The one command (or setting) that fixes what is missing. */
  fix?: string;
  /** True when the worker cannot run, in any mode it is allowed, without this. */
  blocking: boolean;
}

export function finding(key: FindingKey, title: string, status: FindingStatus, detail: string, fix?: string): Finding {
  return fix === undefined ? { key, title, status, detail, blocking: false } : { key, title, status, detail, fix, blocking: false };
}
