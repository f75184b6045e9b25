#include "testlib.h"

// The input: two summands in [-2e9, 2e9], nothing after them; run as doall.sh runs it, on the
// testset "tests".
int main(int argc, char **argv) {
  registerValidation(argc, argv);
  ensuref(validatorTestset == "tests", "run for testset '%s', not tests", validatorTestset.c_str());
  long long a = inf.readLong(), b = inf.readLong();
  ensuref(-2000000000LL <= a && a <= 2000000000LL, "a = %lld is out of [-2e9, 2e9]", a);
  ensuref(-2000000000LL <= b && b <= 2000000000LL, "b = %lld is out of [-2e9, 2e9]", b);
  ensuref(inf.seekEof(), "something follows the two summands");
}
