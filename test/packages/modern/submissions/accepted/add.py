import helper

print(int(input()) + helper.K)
