// Self-test of the C++14 toolchain: the dialect, generic lambdas, return type deduction, make_unique, literals. Prints OK.
#include <bits/stdc++.h>

#if __cplusplus != 201402L
#error "not compiled as C++14"
#endif

template <typename T> auto twice(T x) { return x + x; }

constexpr int fib(int n) {
  int a = 0, b = 1;
  for (int i = 0; i < n; i++) {
    int c = a + b;
    a = b;
    b = c;
  }
  return a;
}
static_assert(fib(10) == 55, "C++14 constexpr loops");

int main() {
  bool ok = true;
  auto add = [](auto a, auto b) { return a + b; };
  ok &= add(1, 2) == 3 && add(std::string("a"), std::string("b")) == "ab";
  ok &= twice(21) == 42 && 0b1010 == 10 && 1'000'000 == 1000000;
  auto p = std::make_unique<std::vector<int>>(3, 7);
  ok &= std::accumulate(p->begin(), p->end(), 0) == 21;
  std::map<std::string, int> m{{"a", 1}, {"b", 2}};
  int sum = 0;
  for (const auto &kv : m) sum += kv.second;
  ok &= sum == 3;
  std::cout << (ok ? "OK" : "FAIL") << std::endl;
  return ok ? 0 : 1;
}
