#!/usr/bin/env node
/**
 * Entry point of the worker container (worker/Dockerfile): the same as `caged worker`.
 * The process exits here, and only here, with the worker's status: 0 after a clean shutdown
 * (running jobs finished or handed back), 2 for a bad configuration, 1 when caged failed.
 */
import { ConfigError } from '../src/config';
import { workerCommand } from '../src/cli/worker';

workerCommand(process.argv.slice(2), process.stdout).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`caged worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
