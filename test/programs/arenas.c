/*
 * argv[1] threads, alive together, each allocate small blocks; then the main thread allocates
 * argv[2] MiB and touches it. Exit 3: that malloc returned NULL; 4: a thread could not start.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static pthread_barrier_t together;
static void *allocate(void *arg) {
  (void)arg;
  pthread_barrier_wait(&together);
  for (int i = 0; i < 1000; i++) free(malloc(64 + i % 512));
  return 0;
}
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 4;
  size_t mib = argc > 2 ? (size_t)atol(argv[2]) : 32;
  pthread_t t[64];
  pthread_barrier_init(&together, 0, (unsigned)n);
  for (int i = 0; i < n; i++)
    if (pthread_create(&t[i], 0, allocate, 0)) return 4;
  for (int i = 0; i < n; i++) pthread_join(t[i], 0);
  char *p = malloc(mib << 20);
  if (!p) return 3;
  memset(p, 1, mib << 20);
  printf("%zu\n", mib);
  return 0;
}
