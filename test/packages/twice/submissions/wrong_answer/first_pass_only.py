# Right on the first pass only: the second pass's WA shows that it ran.
k, n = map(int, input().split())
print(2 * n if k == 1 else n)
