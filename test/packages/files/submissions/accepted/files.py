# Prints the first word of each file named on stdin ("absent" if there is none), then tries to
# write "changed" into each (the test's files are read-only to it, as its own sources are) and
# leaves leak.txt behind in its working directory: no later test may see it.
import os

names = input().split()
words = []
for name in names:
    try:
        with open(name) as f:
            words.append(f.read().split()[0])
    except FileNotFoundError:
        words.append("absent")
print(" ".join(words))
for name in names:
    try:
        with open(name, "w") as f:
            f.write("changed\n")
    except OSError:
        pass
with open("leak.txt", "w") as f:
    f.write("changed\n")
