// Self-test of C++ with GMP: gmpxx.h's mpz_class and mpq_class with C++20 in one program. Prints OK.
#include <algorithm>
#include <gmpxx.h>
#include <iostream>
#include <numeric>
#include <ranges>
#include <sstream>
#include <vector>

static_assert(__cplusplus >= 202002L, "compiled as C++20");

int main() {
  bool ok = __GNU_MP_VERSION >= 6;
  mpz_class f = 1;
  for (int i = 2; i <= 30; i++) f *= i;
  ok &= f.get_str() == "265252859812191058636308480000000";
  mpz_class p = (mpz_class(1) << 127) - 1;
  ok &= mpz_probab_prime_p(p.get_mpz_t(), 25) > 0;
  std::vector<mpz_class> v{mpz_class("100000000000000000000"), 3, -7, 42};
  std::ranges::sort(v);
  ok &= v.front() == -7 && v.back() == mpz_class("100000000000000000000");
  ok &= std::accumulate(v.begin(), v.end(), mpz_class(0)) == mpz_class("100000000000000000038");
  mpq_class q(6, 8);
  q.canonicalize();
  ok &= q == mpq_class(3, 4) && q + mpq_class(1, 4) == 1;
  std::istringstream in("123456789012345678901234567890");
  mpz_class r;
  in >> r;
  ok &= r % 9 == 0 && gcd(r, mpz_class(10)) == 10;
  std::cout << (ok ? "OK" : "FAIL") << std::endl;
  return ok ? 0 : 1;
}
