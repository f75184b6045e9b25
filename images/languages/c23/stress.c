/* Stress of C23: a deep recursion (100 000 frames) and 64 MiB allocated and touched. Prints OK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static long depth(long n, volatile char *prev) {
  volatile char pad[32];
  pad[0] = prev ? prev[0] : 1;
  return n == 0 ? pad[0] : depth(n - 1, pad) + 1;
}
int main(void) {
  size_t n = 64u << 20;
  char *p = malloc(n);
  if (!p) return 2;
  memset(p, 7, n);
  long s = 0;
  for (size_t i = 0; i < n; i += 4096) s += p[i];
  free(p);
  int ok = depth(100000, NULL) == 100001 && s == 7L * (long)(n / 4096);
  puts(ok ? "OK" : "FAIL");
  return !ok;
}
