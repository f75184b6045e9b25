n = int(input())
print(n * n if n < 30 else 0)
