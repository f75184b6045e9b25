# Stress of Python with NumPy: a sort of 3*10^6 int64, vectorised sums and a unique count over
# them, a 300x300 matrix product and inverse (BLAS, LAPACK), a recursion 20 000 deep. Prints OK.
import sys

import numpy as np

sys.setrecursionlimit(100000)


def depth(n):
    return 0 if n == 0 else depth(n - 1) + 1


rng = np.random.default_rng(1)
a = rng.integers(0, 10**9, size=3 * 10**6, dtype=np.int64)
s = np.sort(a)
ok = bool(np.all(s[:-1] <= s[1:])) and int(a.sum()) == int(s.sum())
n = 10**6
x = np.arange(1, n + 1, dtype=np.int64)
ok = ok and int((x * x).sum()) == n * (n + 1) * (2 * n + 1) // 6
_, counts = np.unique(a % 1000, return_counts=True)
ok = ok and int(counts.sum()) == a.size and counts.size == 1000
m = rng.random((300, 300)) + 300 * np.eye(300)
ok = ok and np.allclose(m @ np.linalg.inv(m), np.eye(300), atol=1e-9)
ok = ok and depth(20000) == 20000
print("OK" if ok else "FAIL")
