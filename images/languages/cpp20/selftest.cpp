// Self-test of the C++20 toolchain: concepts, ranges, span, <=>, consteval. Prints OK.
#include <algorithm>
#include <compare>
#include <concepts>
#include <iostream>
#include <numeric>
#include <ranges>
#include <span>
#include <vector>

static_assert(__cplusplus >= 202002L, "compiled as C++20");

template <std::integral T> constexpr T twice(T x) { return 2 * x; }

consteval int square(int x) { return x * x; }

struct P {
  int a, b;
  auto operator<=>(const P &) const = default;
};

static long long total(std::span<const int> s) { return std::accumulate(s.begin(), s.end(), 0LL); }

int main() {
  bool ok = true;
  std::vector<int> v{5, 3, 1, 4, 2};
  std::ranges::sort(v);
  ok &= std::ranges::is_sorted(v);
  auto evens = v | std::views::filter([](int x) { return x % 2 == 0; }) | std::views::transform(twice<int>);
  int s = 0;
  for (int x : evens) s += x;
  ok &= s == 12;
  ok &= total(v) == 15;
  ok &= square(9) == 81;
  ok &= (P{1, 2} < P{1, 3}) && (P{2, 0} > P{1, 9});
  std::cout << (ok ? "OK" : "FAIL") << std::endl;
  return ok ? 0 : 1;
}
