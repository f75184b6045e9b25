#include "testlib.h"

// Judges the interactor's tout (the number of queries) against the answer (the most allowed).
int main(int argc, char **argv) {
  registerTestlibCmd(argc, argv);
  int queries = ouf.readInt();
  int most = ans.readInt();
  if (queries > most) quitf(_wa, "%d queries, more than %d", queries, most);
  quitf(_ok, "%d queries", queries);
}
