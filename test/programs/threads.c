/* argv[1] threads each burn argv[2] ms of their own CPU time; prints the process's CPU ms. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static long ms;
static long cpu_ms(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1000 + t.tv_nsec / 1000000; }
static void *burn(void *arg) {
  (void)arg;
  volatile unsigned long x = 0;
  while (cpu_ms(CLOCK_THREAD_CPUTIME_ID) < ms) for (int i = 0; i < 10000; i++) x++;
  return 0;
}
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 4;
  ms = argc > 2 ? atol(argv[2]) : 300;
  pthread_t t[64];
  for (int i = 0; i < n; i++) pthread_create(&t[i], 0, burn, 0);
  for (int i = 0; i < n; i++) pthread_join(t[i], 0);
  printf("%ld\n", cpu_ms(CLOCK_PROCESS_CPUTIME_ID));
  return 0;
}
