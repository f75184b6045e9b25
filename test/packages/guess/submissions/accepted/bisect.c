#include <stdio.h>
int main(void) {
  int lo = 1, hi = 1000;
  char reply[4];
  for (;;) {
    int mid = (lo + hi) / 2;
    printf("%d\n", mid);
    fflush(stdout);
    if (scanf("%3s", reply) != 1) return 1;
    if (reply[0] == '=') return 0;
    if (reply[0] == '<') hi = mid - 1; else lo = mid + 1;
  }
}
