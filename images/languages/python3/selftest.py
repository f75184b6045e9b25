# Self-test of the Python 3 interpreter and the standard library a judge relies on. Prints OK.
import bisect
import collections
import fractions
import functools
import heapq
import itertools
import math
import sys

ok = sys.version_info >= (3, 8)
h = [5, 1, 4, 2, 3]
heapq.heapify(h)
ok = ok and [heapq.heappop(h) for _ in range(5)] == [1, 2, 3, 4, 5]
ok = ok and bisect.bisect_left([1, 2, 4, 8], 4) == 2
ok = ok and collections.Counter("abca")["a"] == 2
ok = ok and fractions.Fraction(1, 3) * 3 == 1
ok = ok and math.isqrt(10**20) == 10**10 and math.comb(5, 2) == 10
ok = ok and sum(1 for _ in itertools.permutations(range(4))) == 24


@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


sys.setrecursionlimit(10000)
ok = ok and fib(200) == 280571172992510140037611932413038677189525
print("OK" if ok else "FAIL")
sys.exit(0 if ok else 1)
