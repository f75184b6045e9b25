/* Where it may run: its CPUs ("allowed"), the CPU each of 8 busy children ran on, then its
 * CPUs after asking for every CPU of the machine ("widened"); with an argument, sleeps that many
 * ms before exiting (to overlap with another run). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void print_mask(const char *what) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) { perror("sched_getaffinity"); exit(2); }
  printf("%s", what);
  for (int c = 0; c < CPU_SETSIZE; c++) if (CPU_ISSET(c, &set)) printf(" %d", c);
  printf("\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  print_mask("allowed");
  for (int i = 0; i < 8; i++) {
    if (fork() == 0) {
      volatile unsigned long n = 0;
      for (unsigned long k = 0; k < 20000000UL; k++) n += k;
      unsigned cpu = 0;
      getcpu(&cpu, NULL);
      printf("child %u\n", cpu);
      return 0;
    }
  }
  while (wait(NULL) > 0) {}
  cpu_set_t all;
  CPU_ZERO(&all);
  long n = sysconf(_SC_NPROCESSORS_CONF);
  for (long c = 0; c < n && c < CPU_SETSIZE; c++) CPU_SET(c, &all);
  int rc = sched_setaffinity(0, sizeof all, &all);
  printf("widen rc %d\n", rc);
  print_mask("widened");
  if (argc > 1) {
    struct timespec ts = { 0, atol(argv[1]) * 1000000L };
    nanosleep(&ts, NULL);
  }
  return 0;
}
