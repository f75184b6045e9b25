/**
 * Programs of the interactive tests: a guessing game (secret 1..1000 in the input file, at most
 * 10 guesses, answers "<", ">" or "=") and its players, in C and Python. The C sources take a
 * MODE: the interactor's from its flag (argv[4]), the submission's from `#define MODE`.
 */

/**
 * Interactor modes: 0 plays; 1 exits 43 at once; 2 aborts; 3 burns 600 ms of CPU, then plays; 4
 * reads a guess, waits 300 ms, answers with 256 KiB (more than a pipe holds), then plays on.
 */
export const GUESS_INTERACTOR_C = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static void feedback(const char *dir, const char *msg) {
  char p[512];
  snprintf(p, sizeof p, "%sjudgemessage.txt", dir);
  FILE *f = fopen(p, "w");
  if (f) { fputs(msg, f); fclose(f); }
}
int main(int argc, char **argv) {
  FILE *in = fopen(argv[1], "r");
  int secret = 0;
  if (!in || fscanf(in, "%d", &secret) != 1) return 1;
  int mode = argc > 4 ? atoi(argv[4]) : 0;
  if (mode == 1) { feedback(argv[3], "gave up at once"); return 43; }
  if (mode == 2) abort();
  if (mode == 3) { volatile unsigned long x = 0; while (clock() < CLOCKS_PER_SEC * 6 / 10) x++; }
  for (int i = 0; i < 10; i++) {
    int g;
    if (scanf("%d", &g) != 1) { feedback(argv[3], "no guess"); return 43; }
    if (mode == 4 && i == 0) { usleep(300000); for (int k = 0; k < 128 * 1024; k++) fputs(">\n", stdout); fflush(stdout); continue; }
    if (g == secret) { printf("=\n"); fflush(stdout); feedback(argv[3], "found"); return 42; }
    printf(g < secret ? "<\n" : ">\n");
    fflush(stdout);
  }
  feedback(argv[3], "too many guesses");
  return 43;
}
`;

/**
 * Submission modes: 0 binary search (AC); 1 guesses 1, 2, 3… without reading the answers (WA,
 * then SIGPIPE); 2 never flushes (TLE); 3 aborts after one exchange (RE); 4 lingers after "="
 * (killed after the grace); 5 exits 3 after "=" (RE after the interactor accepted); 6 guesses
 * once and exits 0 at once, reading nothing; 7 floods its stdout after "=" (killed once past its
 * output limit, as the worker drops what it writes); 8 closes its stdout, then aborts 300 ms
 * later (RE: the interactor reads EOF only once it has ended); 9 closes its stdout, then sleeps
 * (TLE by the wall limit, likewise); 10 guesses once, reads the answer and exits 3 while the
 * interactor waits for its next guess (RE: it ended first, however soon the interactor follows).
 */
export function guessSubmissionC(mode: number): string {
  return `#define MODE ${mode}\n${String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(void) {
  if (MODE == 1) { for (int g = 1;; g++) { printf("%d\n", g); fflush(stdout); } }
  if (MODE == 2) { printf("500\n"); char c[8]; if (scanf("%7s", c) != 1) return 0; return 0; }
  if (MODE == 6) { printf("1\n"); fflush(stdout); return 0; }
  if (MODE == 10) { printf("500\n"); fflush(stdout); char c[8]; return scanf("%7s", c) == 1 ? 3 : 4; }
  if (MODE == 8) { fclose(stdout); usleep(300000); abort(); }
  if (MODE == 9) { fclose(stdout); for (;;) pause(); }
  int lo = 1, hi = 1000;
  for (;;) {
    int mid = (lo + hi) / 2;
    printf("%d\n", mid);
    fflush(stdout);
    char r[8];
    if (scanf("%7s", r) != 1) return 0;
    if (MODE == 3) abort();
    if (r[0] == '=') break;
    if (r[0] == '<') lo = mid + 1; else hi = mid - 1;
  }
  if (MODE == 4) for (;;) pause();
  if (MODE == 7) { static char buf[65536]; for (int i = 0; i < 65536; i++) buf[i] = 'x'; for (;;) fwrite(buf, 1, sizeof buf, stdout); }
  return MODE == 5 ? 3 : 0;
}
`}`;
}

export const GUESS_SUBMISSION_PY = `
import sys
lo, hi = 1, 1000
while True:
    mid = (lo + hi) // 2
    print(mid, flush=True)
    r = sys.stdin.readline().strip()
    if r == '=':
        break
    if r == '<':
        lo = mid + 1
    else:
        hi = mid - 1
`;

/** The same interactor in Python (plays only). */
export const GUESS_INTERACTOR_PY = `
import sys
secret = int(open(sys.argv[1]).read())
for _ in range(10):
    line = sys.stdin.readline()
    if not line:
        sys.exit(43)
    g = int(line)
    if g == secret:
        print('=', flush=True)
        sys.exit(42)
    print('<' if g < secret else '>', flush=True)
with open(sys.argv[3] + 'judgemessage.txt', 'w') as f:
    f.write('too many guesses')
sys.exit(43)
`;
