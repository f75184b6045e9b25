// Self-test of the C++23 toolchain: std::expected, if consteval, auto(x), multidimensional subscripts, the uz literal, std::to_underlying, std::unreachable. Prints OK.
#include <bits/stdc++.h>

static_assert(__cplusplus > 202002L, "compiled as C++23");

enum class Colour : unsigned char { red = 3, green = 5 };

struct Grid {
  int cells[3][4]{};
  int &operator[](std::size_t r, std::size_t c) { return cells[r][c]; }
};

constexpr int where() {
  if consteval {
    return 1;
  } else {
    return 2;
  }
}

static std::expected<int, std::string> half(int x) {
  if (x % 2 != 0) return std::unexpected("odd");
  return x / 2;
}

static int sign(int x) {
  if (x > 0) return 1;
  if (x < 0) return -1;
  if (x == 0) return 0;
  std::unreachable();
}

int main() {
  bool ok = true;
  Grid g;
  g[2, 3] = 7;
  ok &= g.cells[2][3] == 7;
  constexpr int at_compile = where();
  ok &= at_compile == 1;
  ok &= half(8).value() == 4 && !half(3).has_value() && half(3).error() == "odd";
  std::vector<int> v{3, 1, 2};
  auto copy = auto(v);
  copy.push_back(9);
  ok &= v.size() == 3uz && copy.size() == 4uz;
  ok &= std::to_underlying(Colour::green) == 5;
  ok &= sign(-4) == -1;
  std::cout << (ok ? "OK" : "FAIL") << std::endl;
  return ok ? 0 : 1;
}
