// The stub of "signs": argv[1] is read from the manager, argv[2] written to it, argv[3] the process's index.
#include <cstdio>
#include <cstdlib>
#include "signs.h"

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  FILE *in = fopen(argv[1], "r");
  FILE *out = fopen(argv[2], "w");
  if (!in || !out) return 1;
  int process = atoi(argv[3]);
  long long x;
  while (fscanf(in, "%lld", &x) == 1) {
    fprintf(out, "%lld\n", answer(process, x));
    fflush(out);
  }
  return 0;
}
