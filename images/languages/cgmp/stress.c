/* Stress of C with GMP: 20000! and the 10^6th Fibonacci number (hundreds of thousands of
 * digits, printed to a string), 10^5 numbers of 300 digits summed, a deep recursion (100 000
 * frames) and 64 MiB allocated and touched. Prints OK. */
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static long depth(long n, volatile char *prev) {
  volatile char pad[32];
  pad[0] = prev ? prev[0] : 1;
  return n == 0 ? pad[0] : depth(n - 1, pad) + 1;
}
int main(void) {
  int ok = 1;
  mpz_t f, g, s, x;
  mpz_inits(f, g, s, x, NULL);
  mpz_fac_ui(f, 20000);
  ok &= mpz_sizeinbase(f, 10) >= 77337 && mpz_divisible_ui_p(f, 19997);
  mpz_fib_ui(g, 1000000);
  char *digits = mpz_get_str(NULL, 10, g);
  ok &= strlen(digits) == 208988 && strncmp(digits, "19532821287077577316", 20) == 0;
  free(digits);
  gmp_randstate_t st;
  gmp_randinit_default(st);
  gmp_randseed_ui(st, 1);
  for (int i = 0; i < 100000; i++) {
    mpz_urandomb(x, st, 1000);
    mpz_add(s, s, x);
  }
  ok &= mpz_sizeinbase(s, 2) <= 1017;
  gmp_randclear(st);
  mpz_clears(f, g, s, x, NULL);
  size_t n = 64u << 20;
  char *p = malloc(n);
  if (!p) return 2;
  memset(p, 7, n);
  long t = 0;
  for (size_t i = 0; i < n; i += 4096) t += p[i];
  free(p);
  ok &= depth(100000, NULL) == 100001 && t == 7L * (long)(n / 4096);
  puts(ok ? "OK" : "FAIL");
  return !ok;
}
