// Self-test of the C++11 toolchain: the dialect, auto, lambdas, range-for, unordered_map, tuple, constexpr. Prints OK.
#include <bits/stdc++.h>

#if __cplusplus != 201103L
#error "not compiled as C++11"
#endif

constexpr int square(int x) { return x * x; }
static_assert(square(9) == 81, "constexpr");

int main() {
  bool ok = true;
  std::unordered_map<std::string, int> m{{"a", 1}, {"b", 2}};
  int sum = 0;
  for (const auto &kv : m) sum += kv.second;
  ok &= sum == 3;
  std::vector<long long> v(100);
  std::iota(v.begin(), v.end(), 1);
  ok &= std::accumulate(v.begin(), v.end(), 0LL) == 5050;
  auto twice = [](long long x) { return 2 * x; };
  std::transform(v.begin(), v.end(), v.begin(), twice);
  std::sort(v.begin(), v.end(), std::greater<long long>());
  ok &= v.front() == 200;
  std::tuple<int, std::string> t{1, "x"};
  ok &= std::get<0>(t) == 1 && std::get<1>(t) == "x";
  std::unique_ptr<int> p(new int(5));
  ok &= *p == 5;
  std::cout << (ok ? "OK" : "FAIL") << std::endl;
  return ok ? 0 : 1;
}
