#include <iostream>
#include "src/add.h"
int main() {
  unsigned long long a, b;
  std::cin >> a >> b;
  std::cout << add(a, b) << "\n";
}
