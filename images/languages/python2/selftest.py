# Self-test of the Python 2 interpreter and the standard library a judge relies on. Prints OK.
import bisect
import collections
import fractions
import heapq
import itertools
import sys

ok = sys.version_info[:2] == (2, 7)
h = [5, 1, 4, 2, 3]
heapq.heapify(h)
ok = ok and [heapq.heappop(h) for _ in range(5)] == [1, 2, 3, 4, 5]
ok = ok and bisect.bisect_left([1, 2, 4, 8], 4) == 2
ok = ok and collections.Counter("abca")["a"] == 2
ok = ok and fractions.Fraction(1, 3) * 3 == 1
ok = ok and sum(1 for _ in itertools.permutations(range(4))) == 24
# Python 2's own: integer division, long integers, the print statement.
ok = ok and 7 / 2 == 3 and 2 ** 100 == 1267650600228229401496703205376L
print "OK" if ok else "FAIL"
sys.exit(0 if ok else 1)
