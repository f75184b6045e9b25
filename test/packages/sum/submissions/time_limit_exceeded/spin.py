a, b = map(int, input().split())
while a > 3:
    pass
print(a + b)
