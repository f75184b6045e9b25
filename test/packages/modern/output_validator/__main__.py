# The output validator: the answer is the input plus {{k}} ({{k.word}}); "half" after it earns half the test
# (and makes a rejection write score_multiplier.txt all the same: a judge error the format lists).
import os
import sys
from check import verdict

# The format's working directory: the submission's files, compiled binaries and included files,
# nothing of the validator's own (those are beside this file, not in the working directory).
here = sorted(n for n in os.listdir(".") if not n.startswith("."))
if "check.py" in here:
    sys.exit(1)
with open(sys.argv[3] + "judgemessage.txt", "w") as f:
    f.write("cwd: " + " ".join(here))

inp = int(open(sys.argv[1]).read())
expected = str(inp + {{k}})
code, multiplier = verdict(sys.stdin.read().split(), expected)
if multiplier is not None:
    with open(sys.argv[3] + "score_multiplier.txt", "w") as f:
        f.write(str(multiplier))
sys.exit(code)
