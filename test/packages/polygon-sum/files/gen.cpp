#include <cstdio>

// The test "N N": both summands the generator's argument.
int main(int argc, char **argv) {
  if (argc != 2) return 1;
  std::printf("%s %s\n", argv[1], argv[1]);
}
