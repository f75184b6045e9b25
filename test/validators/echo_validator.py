# An output validator (Kattis protocol) for the tests of test/judge-validator.test.ts.
# argv: input answer feedback_dir [flags...]; the program's output on stdin.
# The answer file names what to do: a number to compare the output with, or one of the
# words below (each exercising one part of the protocol).
import os
import sys

inp, ans, fb = sys.argv[1], sys.argv[2], sys.argv[3]
flags = sys.argv[4:]
if os.listdir(fb):
    sys.exit(1)  # the feedback directory must start empty: nothing planted by the submission


def say(name, text):
    with open(os.path.join(fb, name), "w") as f:
        f.write(text)


want = open(ans).read().split()
got = sys.stdin.read().split()
word = want[0] if want else ""
if word == "crash":
    raise RuntimeError("the validator crashed on purpose")
if word == "zero":
    sys.exit(0)
if word.startswith("score="):
    say("score.txt", word[len("score="):] + "\n")
    say("judgemessage.txt", "scored")
    sys.exit(42)
if word == "link":
    os.symlink("/etc/shadow", os.path.join(fb, "judgemessage.txt"))
    os.symlink("/etc/passwd", os.path.join(fb, "teammessage.txt"))
    sys.exit(43)
if word == "flags":
    say("judgemessage.txt", "flags: " + "|".join(flags))
    sys.exit(42)
if word == "input":
    say("judgemessage.txt", "input: " + open(inp).read().strip())
    sys.exit(42)
if got == want:
    say("judgemessage.txt", "ok " + " ".join(got))
    sys.exit(42)
say("judgemessage.txt", "expected %s, got %s" % (" ".join(want), " ".join(got)))
say("teammessage.txt", "not quite")
sys.exit(43)
