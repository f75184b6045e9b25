/* init.h: what the files of caged-init share (cage.c: B; program.c: C's last steps). */
#ifndef CAGE_INIT_H
#define CAGE_INIT_H
#include <stdint.h>

#include "cage.h"

/* ---------------------------------------------------------------- the private mapping (B and C) */

/* State shared by B and C (same address space until C's execve). */
struct shared {
  volatile int32_t c_failed;
  volatile int32_t listener_fd;
};

/* What B knows: the mapped blob, the argv/envp pointer arrays built from it, C's stack. */
struct region {
  struct shared *shared;
  const struct cage_cfg *cfg;
  const char *base; /* start of the mapped blob */
  char *const *argv;
  char *const *envp;
  char *c_stack_top;
};

/* The string at byte offset `off` of the mapped blob, or NULL for offset 0. */
static inline const char *str_at(const struct region *r, uint32_t off) {
  return off ? r->base + off : (const char *)0;
}

/* Reports a failure to A ('E': stage, errno, detail) and exits 127 (cage.c). */
__attribute__((noreturn)) void die(int stage, long err, int detail);

/* C from its vfork to its execve (program.c); `arg` is B's struct region. Never returns on success. */
int child_c(void *arg);

#endif
