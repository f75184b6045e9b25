# The stub of "signs": argv[1] is read from the manager, argv[2] written to it, argv[3] the process's index.
import sys

import signs

fin = open(sys.argv[1], "r")
fout = open(sys.argv[2], "w")
process = int(sys.argv[3])
for line in fin:
    if line.strip() == "stop":
        break
    fout.write("%d\n" % signs.answer(process, int(line)))
    fout.flush()
