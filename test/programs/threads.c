/* argv[1] threads burn CPU for argv[2] ms of wall time each; prints the process's CPU ms. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static long ms;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static void *burn(void *arg) { (void)arg; double end = now() + ms; volatile unsigned long x = 0; while (now() < end) for (int i = 0; i < 10000; i++) x++; return 0; }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 4;
  ms = argc > 2 ? atol(argv[2]) : 1000;
  pthread_t t[64];
  for (int i = 0; i < n; i++) pthread_create(&t[i], 0, burn, 0);
  for (int i = 0; i < n; i++) pthread_join(t[i], 0);
  struct timespec cpu;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  printf("%ld\n", cpu.tv_sec * 1000 + cpu.tv_nsec / 1000000);
  return 0;
}
