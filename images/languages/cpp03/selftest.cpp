// Self-test of the C++03 toolchain: the dialect, libstdc++ containers, algorithms and templates. Prints OK.
#include <bits/stdc++.h>

#if __cplusplus != 199711L
#error "not compiled as C++03"
#endif

template <typename T> struct Twice {
  T operator()(const T &x) const { return x + x; }
};

int main() {
  bool ok = true;
  std::map<std::string, int> m;
  m["a"] = 1;
  m["b"] = 2;
  int sum = 0;
  for (std::map<std::string, int>::const_iterator it = m.begin(); it != m.end(); ++it) sum += it->second;
  ok &= sum == 3;
  std::vector<long long> v(100);
  for (size_t i = 0; i < v.size(); i++) v[i] = (long long)(i + 1);
  ok &= std::accumulate(v.begin(), v.end(), 0LL) == 5050;
  std::transform(v.begin(), v.end(), v.begin(), Twice<long long>());
  std::sort(v.rbegin(), v.rend());
  ok &= v.front() == 200;
  std::pair<int, std::string> p = std::make_pair(1, std::string("x"));
  ok &= p.first == 1 && p.second == "x";
  std::cout << (ok ? "OK" : "FAIL") << std::endl;
  return ok ? 0 : 1;
}
