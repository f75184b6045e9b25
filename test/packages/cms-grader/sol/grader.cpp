#include <cstdio>
#include "area.h"

int main() {
  long long w, h;
  if (scanf("%lld %lld", &w, &h) != 2) return 1;
  printf("%lld\n", area(w, h));
  return 0;
}
