"""
The package's static validator (caged's tests): judges the submission's files in its working
directory, as the 2025-09 format runs it: `validate.py language entry_point feedback_dir [args]`.

- judgemessage.txt: the language, the entry point and the files it saw;
- rejects (43) a source holding the word FORBIDDEN, a working directory holding anything of the
  validator's own, or one lacking the entry point, the compiled binary (C, C++: `main`; Java:
  the entry point's class) or the package's included file;
- exits 3 on a source holding CRASH (a broken validator: the judge's error);
- with `golf N`: accepts with score_multiplier.txt min(1, N / source bytes), or score.txt 1000
  (above any maximum) for a source holding OVERSCORE.
"""
import os
import sys

language, entry, feedback = sys.argv[1:4]
args = sys.argv[4:]
names = sorted(os.listdir("."))


def say(name, text):
    with open(feedback + name, "w") as f:
        f.write(text)


sources = [n for n in names if n.endswith((".py", ".c", ".cpp", ".java"))]
code = b"".join(open(n, "rb").read() for n in sources)
say("judgemessage.txt", f"{language} {entry} files={','.join(names)}")
if b"CRASH" in code:
    sys.exit(3)
compiled = {"c": "main", "cpp": "main", "java": f"{entry}.class"}.get(language, entry)
if "validate.py" in names or not os.path.isfile(compiled) or "note.txt" not in names or not feedback.endswith("/"):
    say("teammessage.txt", f"wrong working directory: {names}")
    sys.exit(43)
if b"FORBIDDEN" in code:
    say("teammessage.txt", "the word FORBIDDEN is forbidden")
    sys.exit(43)
if args[:1] == ["golf"]:
    if b"OVERSCORE" in code:
        say("score.txt", "1000")
    else:
        say("score_multiplier.txt", str(min(1.0, int(args[1]) / len(code))))
sys.exit(42)
