"""Multi-pass validator of `twice` (test/packages/twice): the input is "PASS N", the team prints
2N. After a right first pass it writes nextpass.in "2 2N" for a second; with the flag `forever`
it asks for one more pass every time. It keeps its state in its feedback directory, as
BAPCtools' validate.h does (.pass): the format keeps every file there but nextpass.in between
passes, so a later pass that finds no state, or another pass's, fails (exit 1: the judge's error)."""
import os
import sys

pass_no, n = map(int, open(sys.argv[1]).read().split())
feedback = sys.argv[3]
forever = "forever" in sys.argv[4:]
state = os.path.join(feedback, ".pass")
if pass_no == 1:
    if os.path.exists(state):
        sys.exit("a first pass found state in its feedback directory")
else:
    if not os.path.exists(state):
        sys.exit(f"pass {pass_no}: the state of pass {pass_no - 1} is gone from the feedback directory")
    if open(state).read() != str(pass_no - 1):
        sys.exit(f"pass {pass_no}: the state is not pass {pass_no - 1}'s")
open(state, "w").write(str(pass_no))
try:
    got = int(sys.stdin.read().split()[0])
except (ValueError, IndexError):
    got = None
if got != 2 * n:
    open(feedback + "/judgemessage.txt", "w").write(f"pass {pass_no}: expected {2 * n}, got {got}")
    sys.exit(43)
if pass_no == 1 or forever:
    open(feedback + "/nextpass.in", "w").write(f"{pass_no + 1} {2 * n}\n")
open(feedback + "/judgemessage.txt", "w").write(f"pass {pass_no} right")
sys.exit(42)
