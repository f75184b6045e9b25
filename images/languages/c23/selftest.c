/* Self-test of the C23 toolchain (GCC's C2x): the dialect, [[attributes]], digit separators, binary literals, u8 characters, _Static_assert without a message, libm. Prints OK. */
#include <math.h>
#include <stdio.h>

#if __STDC_VERSION__ <= 201710L
#error "not compiled as C23"
#endif

_Static_assert(sizeof(long long) == 8);

[[nodiscard]] static int twice(int x) { return 2 * x; }

[[maybe_unused]] static int unused;

int main(void) {
  int ok = 1;
  ok &= 1'000'000 == 1000000;
  ok &= 0b1011 == 11;
  ok &= twice(21) == 42;
  ok &= u8'a' == 97;
  ok &= fabs(cbrt(27.0) - 3.0) < 1e-12;
  puts(ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}
