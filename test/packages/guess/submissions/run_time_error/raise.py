import sys
print(999, flush=True)
if sys.stdin.readline().strip() != "=":
    raise RuntimeError("gave up")
