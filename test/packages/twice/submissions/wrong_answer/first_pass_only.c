/* Right on the first pass only: the second pass's WA shows that it ran. */
#include <stdio.h>
int main(void) {
  long long k, n;
  if (scanf("%lld %lld", &k, &n) != 2) return 1;
  printf("%lld\n", k == 1 ? 2 * n : n);
  return 0;
}
