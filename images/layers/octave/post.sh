# post.sh of the octave layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# caged's syntax check, /usr/lib/caged/octave/caged_check_syntax.m: the octave language's compile
# runs it on the submission's sources; it parses each file with Octave's own parser
# (__parse_file__: the parse that running the file starts with) without running it, prints each
# file's parse error and exits 1 if any (CE).
#
# The layer installs Debian's `octave` as it is (572 MiB): its one package holds octave-cli and
# the Qt GUI, and its dependencies bring Qt, PETSc (through SUNDIALS) and Mesa, which octave-cli
# never loads. A placeholder package standing in for them made a 257 MiB layer that ran every
# test alike; it was not kept: a complete, ordinary install of the archive's package is the one
# an operator can reason about, and the difference is disk, not a run's cost (a job mounts the
# layer, it does not copy it).
set -eu

mkdir -p /usr/lib/caged/octave
cat >/usr/lib/caged/octave/caged_check_syntax.m <<'M'
## caged's syntax check of Octave sources (images/layers/octave/post.sh): parses each file named
## on the command line with Octave's parser, without running it; prints each file's parse error
## and exits 1 if any. A warning (a file that starts with a function definition and goes on with
## commands is a function file, not a script) is printed without this script's backtrace.
warning ("off", "backtrace");
caged_status__ = 0;
for caged_file__ = argv ()'
  try
    __parse_file__ (caged_file__{1});
  catch caged_err__
    fputs (stderr, [caged_err__.message "\n"]);
    caged_status__ = 1;
  end_try_catch
endfor
exit (caged_status__);
M
