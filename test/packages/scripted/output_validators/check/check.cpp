// Output validator of `scripted`: the team's one integer must equal the answer's. Called (by
// `run`) as `check input answer feedback_dir [flags] < team_output`.
#include <fstream>
#include <iostream>
#include <string>

static int reject(const char *feedbackDir, const std::string &why) {
  std::ofstream(std::string(feedbackDir) + "/judgemessage.txt") << why << "\n";
  return 43;
}

int main(int argc, char **argv) {
  if (argc < 4) return 1;
  std::ifstream answer(argv[2]);
  long long want, got;
  if (!(answer >> want)) return 1;
  if (!(std::cin >> got)) return reject(argv[3], "expected an integer");
  std::string extra;
  if (std::cin >> extra) return reject(argv[3], "trailing output");
  if (got != want) return reject(argv[3], "wrong sum " + std::to_string(got) + ", expected " + std::to_string(want));
  return 42;
}
