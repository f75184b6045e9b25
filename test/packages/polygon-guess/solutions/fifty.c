#include <stdio.h>
int main(void) {
  printf("! 50\n");
  fflush(stdout);
  return 0;
}
