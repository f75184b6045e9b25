#include <iostream>
int main() { long long a, b; std::cin >> a >> b; if (a > 3) { volatile int *p = nullptr; *p = 1; } std::cout << a + b << "\n"; }
