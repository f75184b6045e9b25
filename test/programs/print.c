/* Writes argv[1] bytes of 'x' to stdout (-1: forever), in 64 KiB writes, sleeping argv[2]
 * microseconds (default 0) after each. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  static char buf[1 << 16];
  memset(buf, 'x', sizeof buf);
  long left = argc > 1 ? atol(argv[1]) : -1;
  long pause = argc > 2 ? atol(argv[2]) : 0;
  while (left != 0) {
    size_t n = left < 0 || left > (long)sizeof buf ? sizeof buf : (size_t)left;
    ssize_t w = write(1, buf, n);
    if (w < 0) return 1;
    if (left > 0) left -= w;
    if (pause > 0) usleep((useconds_t)pause);
  }
  return 0;
}
