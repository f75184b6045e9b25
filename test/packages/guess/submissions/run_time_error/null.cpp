#include <iostream>
#include <string>
int main() {
  std::string reply;
  std::cout << 999 << std::endl;
  std::cin >> reply;
  if (reply == "=") return 0;
  volatile int *p = nullptr;
  return *p;
}
