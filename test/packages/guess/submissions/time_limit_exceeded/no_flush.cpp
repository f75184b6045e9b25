// Never flushes: '\n' is not std::endl, stdout is a pipe, and cin is not tied to cout.
#include <iostream>
#include <string>
int main() {
  std::ios::sync_with_stdio(false);
  std::cin.tie(nullptr);
  std::string reply;
  std::cout << 500 << '\n';
  std::cin >> reply;
}
