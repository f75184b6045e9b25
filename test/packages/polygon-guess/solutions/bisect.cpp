#include <cstdio>
int main() {
  int lo = 1, hi = 100;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    std::printf("? %d\n", mid);
    std::fflush(stdout);
    char r[4];
    if (std::scanf("%3s", r) != 1) return 1;
    if (r[0] == '=') lo = hi = mid;
    else if (r[0] == '<') lo = mid + 1;
    else hi = mid - 1;
  }
  std::printf("! %d\n", lo);
  std::fflush(stdout);
}
