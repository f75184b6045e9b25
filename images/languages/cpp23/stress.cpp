// Stress of C++: sort 10^7 ints, a map of 10^5 keys, a deep recursion (100 000 frames). Prints OK.
#include <bits/stdc++.h>
using namespace std;
static long depth(long n, volatile int *prev) {
  volatile int pad[8];
  pad[0] = prev ? prev[0] : 1;
  return n == 0 ? pad[0] : depth(n - 1, pad) + 1;
}
int main() {
  vector<int> v(10000000);
  mt19937 rng(1);
  for (auto &x : v) x = int(rng() % 1000000);
  sort(v.begin(), v.end());
  map<int, int> m;
  for (int i = 0; i < 100000; i++) m[i * 7] = i;
  bool ok = is_sorted(v.begin(), v.end()) && m.size() == 100000 && depth(100000, nullptr) == 100001;
  cout << (ok ? "OK" : "FAIL") << endl;
  return ok ? 0 : 1;
}
