/* Forks without end; every child keeps forking. */
#include <unistd.h>
int main(void) { for (;;) fork(); }
