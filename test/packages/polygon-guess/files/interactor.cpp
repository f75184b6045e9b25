#include "testlib.h"

// The number is the test's input; "? x" is answered "<" (the number is greater), ">" or "=";
// "! x" guesses. The number of queries goes to the checker through tout.
int main(int argc, char **argv) {
  registerInteraction(argc, argv);
  long long n = inf.readLong();
  for (int queries = 1;; queries++) {
    std::string op = ouf.readWord();
    long long x = ouf.readLong();
    if (queries > 100) quitf(_wa, "more than 100 queries");
    if (op == "!") {
      if (x != n) quitf(_wa, "guessed %lld, the number is %lld", x, n);
      tout << queries << std::endl;
      quitf(_ok, "guessed %lld in %d queries", n, queries);
    }
    if (op != "?") quitf(_pe, "unknown query %s", op.c_str());
    std::printf("%s\n", x < n ? "<" : x > n ? ">" : "=");
    std::fflush(stdout);
  }
}
