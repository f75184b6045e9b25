/* Self-test of the C99 toolchain: the dialect, VLAs, designated initializers, stdbool, libm. Prints OK. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if __STDC_VERSION__ != 199901L
#error "not compiled as C99"
#endif

struct point { int x, y; };

static inline int sum(int n, const int v[n]) {
  int s = 0;
  for (int i = 0; i < n; i++) s += v[i];
  return s;
}

int main(void) {
  bool ok = true;
  int n = 10;
  int v[n]; // a variable-length array
  for (int i = 0; i < n; i++) v[i] = i + 1;
  ok &= sum(n, v) == 55;
  struct point p = {.y = 2, .x = 1};
  ok &= p.x == 1 && p.y == 2;
  long long big = 1LL << 40;
  ok &= big == 1099511627776LL && INT64_MAX > 0;
  ok &= fabs(sqrt(2.0) * sqrt(2.0) - 2.0) < 1e-12;
  char buf[16];
  snprintf(buf, sizeof buf, "%d", 42);
  ok &= strcmp(buf, "42") == 0;
  puts(ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}
