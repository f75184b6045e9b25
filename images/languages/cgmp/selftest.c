/* Self-test of C with GMP: gmp.h, mpz arithmetic and I/O, primality, powm, mpq. Prints OK. */
#include <gmp.h>
#include <stdio.h>
#include <string.h>

_Static_assert(__STDC_VERSION__ >= 201710L, "compiled as C17");

int main(void) {
  int ok = __GNU_MP_VERSION >= 6;
  mpz_t f, p, r;
  mpz_inits(f, p, r, NULL);
  mpz_fac_ui(f, 30);
  char buf[64];
  gmp_snprintf(buf, sizeof buf, "%Zd", f);
  ok &= strcmp(buf, "265252859812191058636308480000000") == 0;
  mpz_ui_pow_ui(p, 2, 127);
  mpz_sub_ui(p, p, 1);
  ok &= mpz_probab_prime_p(p, 25) > 0;
  mpz_set_ui(r, 3);
  mpz_powm(r, r, p, p); /* Fermat: 3^p = 3 (mod p) */
  ok &= mpz_cmp_ui(r, 3) == 0;
  mpq_t q;
  mpq_init(q);
  mpq_set_ui(q, 6, 8);
  mpq_canonicalize(q);
  ok &= mpz_cmp_ui(mpq_numref(q), 3) == 0 && mpz_cmp_ui(mpq_denref(q), 4) == 0;
  mpq_clear(q);
  mpz_clears(f, p, r, NULL);
  puts(ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}
