#include <iostream>
#include "lib/usum.h"
int main() {
  std::uint64_t a, b;
  std::cin >> a >> b;
  std::cout << usum(a, b) << "\n";
}
