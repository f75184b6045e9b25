#include <stdio.h>
#include <stdlib.h>
int main(void) {
  char reply[4];
  printf("999\n");
  fflush(stdout);
  if (scanf("%3s", reply) == 1 && reply[0] == '=') return 0;
  abort();
}
