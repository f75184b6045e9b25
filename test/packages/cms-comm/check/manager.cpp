// The manager of the task "twice": argv[1] is read from the submission, argv[2] written to it;
// the test's input on stdin. Asks twice(x) for each number, then sends 0 (the end); prints the
// share of right answers on stdout and a message on stderr, as CMS's managers do.
#include <csignal>
#include <cstdio>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  signal(SIGPIPE, SIG_IGN);
  FILE *from = fopen(argv[1], "r");
  FILE *to = fopen(argv[2], "w");
  if (!from || !to) return 3;
  int n;
  if (scanf("%d", &n) != 1) return 4;
  int right = 0;
  for (int i = 0; i < n; i++) {
    long long x, y;
    if (scanf("%lld", &x) != 1) return 4;
    fprintf(to, "%lld\n", x);
    fflush(to);
    if (fscanf(from, "%lld", &y) != 1) break;
    if (y == 2 * x) right++;
  }
  fprintf(to, "0\n");
  fflush(to);
  printf("%g\n", n ? (double)right / n : 1.0);
  fprintf(stderr, right == n ? "translate:success\n" : right ? "%d of %d right\n" : "translate:wrong\n", right, n);
  return 0;
}
