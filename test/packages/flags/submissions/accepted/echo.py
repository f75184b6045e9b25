import sys
line = sys.stdin.readline().rstrip("\n")
try:
    print("%.10e" % float(line))
except ValueError:
    print(line)
