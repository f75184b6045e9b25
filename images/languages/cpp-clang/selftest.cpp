// Self-test of the C++17 toolchain: language level, libstdc++ containers and algorithms. Prints OK.
#include <algorithm>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

static_assert(__cplusplus >= 201703L, "compiled as C++17");

template <typename T> constexpr bool is_small() {
  if constexpr (sizeof(T) <= 4) return true;
  else return false;
}

int main() {
  bool ok = true;
  std::map<std::string, int> m{{"a", 1}, {"b", 2}};
  int sum = 0;
  for (const auto &[k, v] : m) sum += v + static_cast<int>(k.size());
  ok &= sum == 5;
  std::optional<int> o = 7;
  ok &= o.value_or(0) == 7;
  std::variant<int, std::string> var = std::string("x");
  ok &= std::holds_alternative<std::string>(var);
  std::vector<long long> v(100);
  std::iota(v.begin(), v.end(), 1);
  ok &= std::accumulate(v.begin(), v.end(), 0LL) == 5050;
  std::sort(v.rbegin(), v.rend());
  ok &= v.front() == 100;
  ok &= is_small<int>() && !is_small<long double>();
  std::string_view sv = "hello";
  ok &= sv.substr(1, 3) == "ell";
  std::cout << (ok ? "OK" : "FAIL") << std::endl;
  return ok ? 0 : 1;
}
