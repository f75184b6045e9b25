# The stub of "twice": argv[1] is read from the manager, argv[2] written to it.
import sys

import twice

fin = open(sys.argv[1], "r")
fout = open(sys.argv[2], "w")
for line in fin:
    x = int(line)
    if x == 0:
        break
    fout.write("%d\n" % twice.twice(x))
    fout.flush()
