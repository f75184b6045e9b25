/* Right, after spinning a quarter of a second of CPU time on every test. */
#include <stdio.h>
#include <time.h>
int main(void) {
  long n;
  if (scanf("%ld", &n) != 1) return 1;
  while (clock() < CLOCKS_PER_SEC / 4) {
  }
  printf("%ld\n", 2 * n);
  return 0;
}
