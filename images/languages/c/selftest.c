/* Self-test of the C toolchain: C17 features, libm (-lm), stdio, malloc. Prints OK. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(__STDC_VERSION__ >= 201710L, "compiled as C17");

#define KIND(x) _Generic((x), int: 'i', double: 'd', default: '?')

static int cmp(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int main(void) {
  int ok = 1;
  int *v = malloc(1000 * sizeof *v);
  if (!v) return 2;
  for (int i = 0; i < 1000; i++) v[i] = (i * 7919) % 1000;
  qsort(v, 1000, sizeof *v, cmp);
  for (int i = 0; i < 1000; i++) ok &= v[i] == i;
  free(v);
  ok &= fabs(sqrt(2.0) * sqrt(2.0) - 2.0) < 1e-12;
  ok &= KIND(1) == 'i' && KIND(1.0) == 'd';
  int64_t big = INT64_C(1) << 40;
  ok &= big == 1099511627776LL;
  char buf[32];
  snprintf(buf, sizeof buf, "%d-%s", 42, "x");
  ok &= strcmp(buf, "42-x") == 0;
  puts(ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}
