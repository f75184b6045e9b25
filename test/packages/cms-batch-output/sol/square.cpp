#include <cstdio>

int main() {
  long long n;
  if (scanf("%lld", &n) == 1) printf("%lld\n", n * n);
  return 0;
}
