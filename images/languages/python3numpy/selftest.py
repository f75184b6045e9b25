# Self-test of Python 3 with NumPy: NumPy imports, integer and float arrays, BLAS (a matrix
# product) and LAPACK (a linear solve). Prints OK.
import sys

import numpy as np

ok = sys.version_info >= (3, 8) and tuple(int(x) for x in np.__version__.split(".")[:2]) >= (1, 17)
v = np.array([5, 1, 4, 2, 3], dtype=np.int64)
ok = ok and np.sort(v).tolist() == [1, 2, 3, 4, 5] and int(v.sum()) == 15
ok = ok and np.cumsum(np.arange(1, 101, dtype=np.int64))[-1] == 5050
a = np.array([[2.0, 1.0], [1.0, 3.0]])
ok = ok and np.allclose(a @ a, [[5.0, 5.0], [5.0, 10.0]])
ok = ok and np.allclose(np.linalg.solve(a, [3.0, 5.0]), [0.8, 1.4])
ok = ok and np.fromstring("1 2 3", dtype=np.int64, sep=" ").tolist() == [1, 2, 3]
print("OK" if ok else "FAIL")
sys.exit(0 if ok else 1)
