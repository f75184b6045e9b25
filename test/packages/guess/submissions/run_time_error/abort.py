# Dies of a signal, not an exit code: ends that close together are ordered by kind
# (src/sandbox/run-pair.ts), and only a signal or a limit counts as ending first.
import os
import sys

print(999, flush=True)
if sys.stdin.readline().strip() != "=":
    os.abort()
