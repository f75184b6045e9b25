// Right on the first pass only: the second pass's WA shows that it ran.
#include <iostream>
int main() {
  long long k, n;
  std::cin >> k >> n;
  std::cout << (k == 1 ? 2 * n : n) << '\n';
}
