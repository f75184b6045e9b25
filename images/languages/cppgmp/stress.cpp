// Stress of C++ with GMP: 20000! and the 10^6th Fibonacci number (hundreds of thousands of
// digits, printed to a string), a sort of 2*10^5 numbers of 100 to 1000 bits and their sum,
// sort 5*10^6 ints, a deep recursion (100 000 frames). Prints OK.
#include <bits/stdc++.h>
#include <gmpxx.h>
using namespace std;
static long depth(long n, volatile int *prev) {
  volatile int pad[8];
  pad[0] = prev ? prev[0] : 1;
  return n == 0 ? pad[0] : depth(n - 1, pad) + 1;
}
int main() {
  bool ok = true;
  mpz_class f;
  mpz_fac_ui(f.get_mpz_t(), 20000);
  ok &= mpz_sizeinbase(f.get_mpz_t(), 10) >= 77337 && f % 19997 == 0;
  mpz_class g;
  mpz_fib_ui(g.get_mpz_t(), 1000000);
  string digits = g.get_str();
  ok &= digits.size() == 208988 && digits.compare(0, 20, "19532821287077577316") == 0;
  gmp_randclass rnd(gmp_randinit_default);
  rnd.seed(1);
  vector<mpz_class> big(200000);
  for (size_t i = 0; i < big.size(); i++) big[i] = rnd.get_z_bits(100 + i % 901);
  mpz_class sum = accumulate(big.begin(), big.end(), mpz_class(0));
  sort(big.begin(), big.end());
  ok &= is_sorted(big.begin(), big.end()) && accumulate(big.begin(), big.end(), mpz_class(0)) == sum;
  vector<int> v(5000000);
  mt19937 rng(1);
  for (auto &x : v) x = int(rng() % 1000000);
  sort(v.begin(), v.end());
  ok &= is_sorted(v.begin(), v.end()) && depth(100000, nullptr) == 100001;
  cout << (ok ? "OK" : "FAIL") << endl;
  return ok ? 0 : 1;
}
