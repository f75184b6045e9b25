#include <stdio.h>
int main(void) {
  long long k, n;
  if (scanf("%lld %lld", &k, &n) != 2) return 1;
  printf("%lld\n", 2 * n);
  return 0;
}
