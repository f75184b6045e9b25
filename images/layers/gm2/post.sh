# post.sh of the gm2 layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# 1. modula2-compile.pl, the modula2 compile (images/languages/modula2/language.json). GCC 12's
#    gm2 links a program module through a list of the modules it imports and looks for each
#    module's object under the module's name: a program module must be in a file named after it
#    (`MODULE Hello;` in Hello.mod), or the link fails with "undefined reference to
#    `_M2_Hello_init'". caged saves a single source as main.mod, so the script reads the entry's
#    module header (past comments and pragmas) and compiles a copy named after the module when
#    the names differ (the compiler's messages then name Hello.mod). gm2 12 does not compile the
#    implementation modules a program imports (only -fm2-whole-program does, and that compiles
#    the library's modules from source too: 4-11 s of CPU for a small program): the script
#    compiles every other source that holds an IMPLEMENTATION MODULE first (`-c`, with the same
#    flags), and the link finds their objects by their modules' names, as it finds the
#    libraries'. A definition module is found by gm2 itself (Name.def beside the program).
#
# 2. ISO WholeIO, LongWholeIO and ShortWholeIO's WriteInt in GCC 12 write a `+` before a
#    positive number (`WriteInt(42, 0)` prints `+42`), which a judge reads as a wrong answer;
#    GCC's later sources write the sign of a negative number only (`int < 0`). The three modules
#    are compiled again with that one change into the static libm2iso.a that the modula2
#    compile links (-static), and their sources beside it get the same change. The shared
#    libm2iso.so keeps Debian's code (the compile does not use it).
set -eu
m2=/usr/lib/gcc/x86_64-linux-gnu/12/m2
dir=/usr/local/lib/caged
mkdir -p "$dir"

cat >"$dir/modula2-compile.pl" <<'PL'
# modula2-compile.pl GM2 [FLAGS...] -- ENTRY SOURCES...: compiles a Modula-2 submission into
# ./main with GM2 FLAGS (images/layers/gm2/post.sh): each source other than ENTRY that holds an
# IMPLEMENTATION MODULE with `-c`, then ENTRY's program module, from a copy named after the
# module when ENTRY's name differs (gm2 12 links a program module by its name).
use strict;
use warnings;

my @cc;
push @cc, shift @ARGV while @ARGV && $ARGV[0] ne '--';
shift @ARGV;
my ($entry, @sources) = @ARGV;
die "usage: modula2-compile.pl GM2 [FLAGS...] -- ENTRY SOURCES...\n" unless @cc && defined $entry;

sub slurp {
  my ($file) = @_;
  open(my $in, '<', $file) or die "$file: $!\n";
  local $/;
  my $s = <$in>;
  close $in;
  return $s;
}

# The module a source starts: (DEFINITION | IMPLEMENTATION | PROGRAM, its name), or () when the
# source does not start with a module header after its comments (nested) and pragmas.
sub header {
  my ($s) = @_;
  while (1) {
    $s =~ /\G\s+/gc;
    if ($s =~ /\G\(\*/gc) {
      my $depth = 1;
      while ($depth && $s =~ /\G.*?(\(\*|\*\))/gcs) { $depth += $1 eq '(*' ? 1 : -1 }
      return () if $depth;
    } elsif ($s !~ /\G<\*.*?\*>/gcs) {
      last;
    }
  }
  return $s =~ /\G(?:(DEFINITION|IMPLEMENTATION)\s+)?MODULE\s+([A-Za-z_][A-Za-z0-9_]*)/gc ? ($1 // 'PROGRAM', $2) : ();
}

sub run {
  my $rc = system(@_);
  exit(($rc & 127) ? 1 : $rc >> 8) if $rc != 0;
}

for my $f (@sources) {
  next if $f eq $entry || $f !~ /\.mod$/;
  my ($kind) = header(slurp($f));
  run(@cc, '-c', $f) if defined $kind && $kind eq 'IMPLEMENTATION';
}

my $source = slurp($entry);
my ($kind, $name) = header($source);
my $program = $entry;
if (defined $kind && $kind ne 'PROGRAM') {
  print STDERR "$entry: holds $kind MODULE $name, not a program module (MODULE $name; ... END $name.)\n";
  exit 1;
}
if (defined $kind && "$name.mod" ne $entry) {
  $program = "$name.mod";
  if (-e $program && slurp($program) ne $source) {
    print STDERR "$entry: its program module $name must be compiled as $program, and $program is another file of the submission\n";
    exit 1;
  }
  open(my $out, '>', $program) or die "$program: $!\n";
  print $out $source;
  close $out or die "$program: $!\n";
}
exec(@cc, $program, '-o', 'main') or die "$cc[0]: $!\n";
PL
chmod 0644 "$dir/modula2-compile.pl"

# 2. WriteInt without a `+` (see above).
work=$(mktemp -d)
for m in WholeIO LongWholeIO ShortWholeIO; do
  sed "s/ToString(int, width, ' ', TRUE, 10, FALSE)/ToString(int, width, ' ', int < 0, 10, FALSE)/" "$m2/m2iso/$m.mod" >"$work/$m.mod"
  if cmp -s "$m2/m2iso/$m.mod" "$work/$m.mod"; then
    echo "post.sh (gm2): $m2/m2iso/$m.mod has no WriteInt with a forced sign to change" >&2
    exit 1
  fi
done
(cd "$work" && gm2 -c -fiso -flibs=m2iso,m2pim -O2 -fPIC WholeIO.mod LongWholeIO.mod ShortWholeIO.mod)
for m in WholeIO LongWholeIO ShortWholeIO; do
  cp "$work/$m.mod" "$m2/m2iso/$m.mod"
done
(cd "$work" && ar rs "$m2/m2iso/libm2iso.a" WholeIO.o LongWholeIO.o ShortWholeIO.o)
rm -rf "$work"
