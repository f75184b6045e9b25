# The output validator: the answer is the input plus {{k}} ({{k.word}}); "half" after it earns half the test
# (and makes a rejection write score_multiplier.txt all the same: a judge error the format lists).
import sys
from check import verdict

inp = int(open(sys.argv[1]).read())
expected = str(inp + {{k}})
code, multiplier = verdict(sys.stdin.read().split(), expected)
if multiplier is not None:
    with open(sys.argv[3] + "score_multiplier.txt", "w") as f:
        f.write(str(multiplier))
sys.exit(code)
