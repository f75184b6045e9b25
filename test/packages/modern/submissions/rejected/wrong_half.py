# Wrong on every test, and asks for half: the validator rejects but writes score_multiplier.txt.
import helper

n = int(input())
print(n + helper.K + 1, "half")
