# cmsMake's call: valida INPUT [SUBTASK], SUBTASK counting the "# ST:" lines of gen/GEN from 1
# (the sample's is 1 here). Subtask 2 takes n up to 100, the others up to 10^9.
import sys

n = int(open(sys.argv[1]).read())
subtask = int(sys.argv[2]) if len(sys.argv) > 2 else 0
limit = 100 if subtask == 2 else 10**9
if not 1 <= n <= limit:
    sys.exit(f"n = {n} is out of 1..{limit} in subtask {subtask}")
