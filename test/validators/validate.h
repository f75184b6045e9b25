/* Helpers of the C validator of test/judge-validator.test.ts (the multi-file case). */
#include <stdio.h>
#include <stdlib.h>

#define AC_EXIT 42
#define WA_EXIT 43

static const char *feedback_dir;

static void feedback(const char *name, const char *text) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", feedback_dir, name);
  FILE *f = fopen(path, "w");
  if (!f) exit(1);
  fputs(text, f);
  fclose(f);
}

static void judge_accept(const char *judge_message) {
  feedback("judgemessage.txt", judge_message);
  exit(AC_EXIT);
}

static void judge_reject(const char *judge_message, const char *team_message) {
  feedback("judgemessage.txt", judge_message);
  feedback("teammessage.txt", team_message);
  exit(WA_EXIT);
}
