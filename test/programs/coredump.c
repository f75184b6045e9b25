/* The box's core limit, and a crash under it. argv[1]: "show" prints the limit; "lower" lowers it
 * to 0 through setrlimit (glibc: prlimit64) and the raw setrlimit call, prints what each returned
 * and the limit after, then crashes; "old" sets it and asks for the old one (prlimit64 with both
 * pointers) and prints the result. Before crashing, the program names itself argv[2] (the %e of
 * a core_pattern), so a host helper's log can tell its dumps apart. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *when) {
  struct rlimit r;
  getrlimit(RLIMIT_CORE, &r);
  printf("%s %llu %llu\n", when, (unsigned long long)r.rlim_cur, (unsigned long long)r.rlim_max);
}

int main(int argc, char **argv) {
  const char *how = argc > 1 ? argv[1] : "show";
  show("start");
  if (!strcmp(how, "old")) {
    struct rlimit zero = {0, 0}, old = {7, 7};
    int rc = prlimit(0, RLIMIT_CORE, &zero, &old);
    printf("prlimit %d %d\n", rc, rc ? errno : 0);
    show("after");
    return 0;
  }
  if (!strcmp(how, "lower")) {
    struct rlimit zero = {0, 0};
    int rc = setrlimit(RLIMIT_CORE, &zero);
    printf("setrlimit %d\n", rc);
#ifdef SYS_setrlimit
    printf("raw %ld\n", syscall(SYS_setrlimit, RLIMIT_CORE, &zero));
#endif
    show("after");
    fflush(stdout);
    if (argc > 2) prctl(PR_SET_NAME, argv[2]);
    raise(SIGSEGV);
  }
  return 0;
}
