"""
The package's custom grader (caged's tests), speaking the legacy format's protocol: one
`VERDICT score` line per sub-result on stdin, the group's `VERDICT score` on stdout.

`per_accepted N` (its grader_flags): the group is AC if any sub-result is, scoring N per
accepted one; else the first sub-result's verdict (with a score the judge must ignore).
"""
import sys

flags = sys.argv[1:]
per = float(flags[flags.index("per_accepted") + 1]) if "per_accepted" in flags else 1.0
lines = [line.split() for line in sys.stdin if line.strip()]
print(f"grader got {len(lines)} lines and flags {flags}", file=sys.stderr)
accepted = sum(1 for verdict, _ in lines if verdict == "AC")
if accepted:
    print(f"AC {accepted * per}")
else:
    print(f"{lines[0][0] if lines else 'AC'} 999")
