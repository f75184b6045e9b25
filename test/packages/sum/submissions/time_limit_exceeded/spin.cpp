#include <iostream>
int main() { long long a, b; std::cin >> a >> b; volatile unsigned long long x = 0; while (a > 3) x++; std::cout << a + b << "\n"; }
