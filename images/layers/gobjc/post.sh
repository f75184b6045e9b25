# post.sh of the gobjc layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# GCC's Objective-C has no @autoreleasepool block (Clang's syntax since 2011, in every Objective-C
# program Xcode starts): gcc says "stray '@' in program". The objectivec compile
# (images/languages/objectivec/language.json) passes a source that has `@autoreleasepool` through
# objc-autoreleasepool.pl into a copy that starts with `#line 1 "<the source>"` (diagnostics name
# the submitted file, its lines and its text), compiled with `-include` of objc-autoreleasepool.h:
#
#   @autoreleasepool { BODY }
#   { CAGED_AUTORELEASEPOOL_BEGIN @try { BODY } @catch (id e) { CAGED_AUTORELEASEPOOL_UNWINDING; @throw; } }
#
# on the same lines. As with Clang, the pool is made at the block's start and drained whenever the
# block is left normally (its end, break, continue, return, goto: GCC's cleanup attribute), and
# not when an exception leaves it (an exception autoreleased in the pool, as +[NSException
# raise:format:] makes them, must outlive it for a @catch outside to read it; an enclosing
# pool's drain frees it).
set -eu
dir=/usr/local/lib/caged
mkdir -p "$dir"
cat >"$dir/objc-autoreleasepool.h" <<'H'
/* caged: @autoreleasepool for GCC's Objective-C (images/layers/gobjc/post.sh). */
#import <Foundation/NSAutoreleasePool.h>
struct caged_autoreleasepool { NSAutoreleasePool *pool; int unwinding; };
static inline void caged_autoreleasepool_end(struct caged_autoreleasepool *p) {
  if (!p->unwinding) [p->pool drain];
}
#define CAGED_AUTORELEASEPOOL_BEGIN \
  struct caged_autoreleasepool caged_autoreleasepool __attribute__((cleanup(caged_autoreleasepool_end))) = \
    { [[NSAutoreleasePool alloc] init], 0 };
#define CAGED_AUTORELEASEPOOL_UNWINDING (caged_autoreleasepool.unwinding = 1)
H
cat >"$dir/objc-autoreleasepool.pl" <<'PL'
# objc-autoreleasepool.pl FILE: FILE on stdout with each `@autoreleasepool { ... }` rewritten for
# GCC (images/layers/gobjc/post.sh), on the same lines; comments, strings and character
# constants are copied as they are.
use strict;
use warnings;
my $file = shift @ARGV;
open(my $in, '<', $file) or die "$file: $!\n";
my $s = do { local $/; <$in> };
close $in;
my $open = '{ CAGED_AUTORELEASEPOOL_BEGIN @try {';
my $close = '} @catch (id caged_autoreleasepool_exception) { CAGED_AUTORELEASEPOOL_UNWINDING; @throw; } }';
my (@braces, $out);
(my $name = $file) =~ s/(["\\])/\\$1/g;
$out = "#line 1 \"$name\"\n";
while ($s =~ m{\G(?: (//[^\n]* | /\*.*?\*/ | "(?:\\.|[^"\\\n])*" | '(?:\\.|[^'\\\n])*')
                   | \@autoreleasepool\b((?:\s+|//[^\n]*|/\*.*?\*/)*)\{
                   | (\{) | (\}) | ([^/"'\@{}]+ | .) )}gsx) {
  if (defined $1) { $out .= $1 }
  elsif (defined $2) { $out .= $2 . $open; push @braces, 1 }
  elsif (defined $3) { $out .= '{'; push @braces, 0 }
  elsif (defined $4) { $out .= (pop(@braces) // 0) ? $close : '}' }
  else { $out .= $5 }
}
print $out;
PL
chmod 0644 "$dir/objc-autoreleasepool.h" "$dir/objc-autoreleasepool.pl"
