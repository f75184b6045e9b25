#include <iostream>
#include <string>
int main() {
  int lo = 1, hi = 1000;
  std::string reply;
  for (;;) {
    int mid = (lo + hi) / 2;
    std::cout << mid << std::endl;
    if (!(std::cin >> reply)) return 1;
    if (reply == "=") return 0;
    if (reply == "<") hi = mid - 1; else lo = mid + 1;
  }
}
