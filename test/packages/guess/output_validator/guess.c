/* Interactor of `guess` (test/packages/guess): the secret (1..1000) is in the input file; the
 * team prints a guess per line and reads "<" (smaller), ">" (larger) or "=" back; 10 guesses at
 * most. With the flag `give_up` it exits 43 at once, before reading anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dir;

static void say(const char *name, const char *text) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) exit(1);
  fputs(text, f);
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 4) return 1;
  dir = argv[3];
  for (int i = 4; i < argc; i++)
    if (strcmp(argv[i], "give_up") == 0) {
      say("judgemessage.txt", "gave up at once");
      return 43;
    }
  FILE *in = fopen(argv[1], "r");
  int secret;
  if (!in || fscanf(in, "%d", &secret) != 1) return 1;
  for (int round = 1; round <= 10; round++) {
    int guess;
    if (scanf("%d", &guess) != 1) {
      say("judgemessage.txt", "no guess");
      return 43;
    }
    if (guess == secret) {
      printf("=\n");
      fflush(stdout);
      say("judgemessage.txt", "found");
      return 42;
    }
    printf("%s\n", guess > secret ? "<" : ">");
    fflush(stdout);
  }
  say("judgemessage.txt", "too many guesses");
  return 43;
}
