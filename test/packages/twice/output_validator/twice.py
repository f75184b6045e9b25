"""Multi-pass validator of `twice` (test/packages/twice): the input is "PASS N", the team prints
2N. After a right first pass it writes nextpass.in "2 2N" for a second; with the flag `forever`
it asks for one more pass every time."""
import sys

pass_no, n = map(int, open(sys.argv[1]).read().split())
feedback = sys.argv[3]
forever = "forever" in sys.argv[4:]
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
