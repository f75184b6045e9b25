/* Writes argv[1] MiB of output (default 64) to stdout. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  static char buf[1 << 16];
  memset(buf, 'x', sizeof buf);
  long chunks = (argc > 1 ? atol(argv[1]) : 64) * 16;
  for (long i = 0; i < chunks; i++) if (write(1, buf, sizeof buf) < 0) return 1;
  return 0;
}
