import sys

from area import area

w, h = map(int, sys.stdin.read().split())
print(area(w, h))
