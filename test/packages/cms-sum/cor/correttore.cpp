// The task's checker, CMS's protocol: correttore input correct_output contestant_output;
// the outcome (0..1) on stdout, the message on stderr. An answer off by one earns half.
#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: correttore input correct output\n");
    return 1;
  }
  FILE *correct = fopen(argv[2], "r"), *output = fopen(argv[3], "r");
  if (!correct) return 1;
  long long want, got;
  if (fscanf(correct, "%lld", &want) != 1) return 1;
  if (!output || fscanf(output, "%lld", &got) != 1) {
    printf("0.0\n");
    fprintf(stderr, "translate:wrong\n");
    return 0;
  }
  if (got == want) {
    printf("1.0\n");
    fprintf(stderr, "translate:success\n");
  } else if (llabs(got - want) == 1) {
    printf("0.5\n");
    fprintf(stderr, "off by one\n");
  } else {
    printf("0.0\n");
    fprintf(stderr, "translate:wrong\n");
  }
  return 0;
}
