/* The interactor: sends n (the input file's first number), expects 2n back. On the first pass
 * (the input has no "last") it writes nextpass.in = "2n last" for a second pass. It keeps state
 * in its feedback directory (.state: the first pass's n), which the format keeps between
 * passes: a second pass without it, or with another n, fails (exit 1: the judge's error). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 4) return 1;
  FILE *in = fopen(argv[1], "r");
  long n, got;
  char tag[16] = "";
  if (!in || fscanf(in, "%ld", &n) != 1) return 1;
  int last = fscanf(in, "%15s", tag) == 1 && !strcmp(tag, "last");
  char path[4096];
  snprintf(path, sizeof path, "%s/.state", argv[3]);
  FILE *state = fopen(path, last ? "r" : "w");
  if (!state) return 1;
  if (last) {
    long first;
    if (fscanf(state, "%ld", &first) != 1 || 2 * first != n) return 1;
  } else {
    fprintf(state, "%ld\n", n);
  }
  fclose(state);
  snprintf(path, sizeof path, "%s/judgemessage.txt", argv[3]);
  FILE *msg = fopen(path, "w");
  printf("%ld\n", n);
  fflush(stdout);
  if (scanf("%ld", &got) != 1 || got != 2 * n) {
    if (msg) fprintf(msg, "pass %d: %ld is not twice %ld", last ? 2 : 1, got, n);
    return 43;
  }
  if (msg) fprintf(msg, "pass %d: %ld doubled", last ? 2 : 1, n);
  if (!last) {
    snprintf(path, sizeof path, "%s/nextpass.in", argv[3]);
    FILE *next = fopen(path, "w");
    if (!next) return 1;
    fprintf(next, "%ld last\n", 2 * n);
    fclose(next);
  }
  return 42;
}
