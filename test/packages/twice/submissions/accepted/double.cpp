#include <iostream>
int main() {
  long long k, n;
  std::cin >> k >> n;
  std::cout << 2 * n << '\n';
}
