#include <cstdio>

int main() {
  FILE *in = fopen("input.txt", "r"), *out = fopen("output.txt", "w");
  long long a, b;
  if (fscanf(in, "%lld %lld", &a, &b) != 2) return 1;
  fprintf(out, "%lld\n", a + b);
  return 0;
}
