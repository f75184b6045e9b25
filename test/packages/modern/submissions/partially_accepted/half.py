import helper

n = int(input())
print(n + helper.K, "half" if n >= 1000 else "")
