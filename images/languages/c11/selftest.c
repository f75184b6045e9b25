/* Self-test of the C11 toolchain: the dialect, _Generic, _Static_assert, anonymous members, libm. Prints OK. */
#include <math.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if __STDC_VERSION__ != 201112L
#error "not compiled as C11"
#endif

_Static_assert(sizeof(int64_t) == 8, "int64_t has 8 bytes");

#define KIND(x) _Generic((x), int: 'i', double: 'd', default: '?')

struct tagged {
  int kind;
  union {
    int i;
    double d;
  };
};

int main(void) {
  int ok = 1;
  struct tagged t = {.kind = 1, .i = 7};
  ok &= t.i == 7;
  ok &= KIND(1) == 'i' && KIND(1.0) == 'd';
  ok &= alignof(double) >= 4;
  ok &= fabs(cbrt(27.0) - 3.0) < 1e-12;
  char buf[16];
  snprintf(buf, sizeof buf, "%d-%s", 42, "x");
  ok &= strcmp(buf, "42-x") == 0;
  puts(ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}
