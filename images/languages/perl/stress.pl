# Stress of Perl: a hash of 10^5 keys, a sort of 10^6, a recursion 10 000 deep. Prints OK.
use strict;
no warnings 'recursion';
sub depth { my $n = shift; return $n == 0 ? 0 : depth($n - 1) + 1; }
my %h = map { $_ => $_ * 2 } 0 .. 99_999;
my @v = sort { $a <=> $b } map { ($_ * 7919) % 1_000_003 } 0 .. 999_999;
my $ok = keys(%h) == 100_000 && depth(10_000) == 10_000;
for my $i (1 .. $#v) { $ok = 0 if $v[$i - 1] > $v[$i]; }
print $ok ? "OK\n" : "FAIL\n";
