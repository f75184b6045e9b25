// Output validator of `anysum`: the team prints two integers a b with a + b = n (the input);
// with the flag `nonnegative` both must be >= 0. Called as `pair input answer feedback_dir [flags]`.
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include "validate.h"

int main(int argc, char **argv) {
  if (argc < 4) return 1;
  validate::feedback_dir = argv[3];
  bool nonnegative = false;
  for (int i = 4; i < argc; i++)
    if (std::strcmp(argv[i], "nonnegative") == 0) nonnegative = true;
  std::ifstream in(argv[1]);
  long long n;
  if (!(in >> n)) return 1;
  long long a, b;
  if (!(std::cin >> a >> b)) validate::reject("expected two integers");
  std::string extra;
  if (std::cin >> extra) validate::reject("trailing output");
  if (nonnegative && (a < 0 || b < 0)) validate::reject("a negative summand");
  if (a + b != n) validate::reject("the summands do not add up");
  validate::accept();
}
