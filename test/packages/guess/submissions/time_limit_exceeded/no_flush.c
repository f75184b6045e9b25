/* Never flushes: its guess stays in the buffer, both sides wait for each other. */
#include <stdio.h>
int main(void) {
  char reply[4];
  printf("500\n");
  if (scanf("%3s", reply) != 1) return 1;
  return 0;
}
