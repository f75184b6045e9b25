# Stress of Python 2: a recursion 20 000 deep, a dict of 10^6 keys, a sort of 10^6 items. Prints OK.
import random
import sys

sys.setrecursionlimit(100000)


def depth(n):
    return 0 if n == 0 else depth(n - 1) + 1


d = dict((i, i * i) for i in xrange(10 ** 6))
v = [random.random() for _ in xrange(10 ** 6)]
v.sort()
ok = depth(20000) == 20000 and len(d) == 10 ** 6 and all(v[i] <= v[i + 1] for i in xrange(len(v) - 1))
print "OK" if ok else "FAIL"
