# Writes the test case its argument names: n itself.
import sys

print(int(sys.argv[1]))
