/* init.h: what the files of caged-init share (cage.c: B; program.c: C's last steps). */
#ifndef CAGE_INIT_H
#define CAGE_INIT_H
#include <stddef.h>
#include <stdint.h>

#include "cage.h"

/* ---------------------------------------------------------------- the private mapping (B and C) */

/* State shared by B and C (same address space until C's execve). */
struct shared {
  volatile int32_t c_failed;    /* C: set-up failed, 'E' sent (read by B once C is gone) */
  volatile int32_t listener_fd; /* C: the seccomp listener, in the fd table it shared with B */
  volatile int32_t maps_written; /* B: C's user namespace is mapped (root mode), C may go on */
  volatile int32_t c_running;   /* non-zero until C's execve or death: the kernel clears it
                                 * (CLONE_CHILD_CLEARTID) and wakes B's futex wait on it */
};

/* What B knows: the mapped blob, the argv/envp pointer arrays built from it, C's stack. */
struct region {
  struct shared *shared;
  const struct cage_cfg *cfg;
  const char *base; /* start of the mapped blob */
  char *const *argv;
  char *const *envp;
  char *c_stack_top;
  uint32_t extra_fds; /* the program's extra fds, on 5 .. 4 + extra_fds (cage.h: CAGE_RUN) */
};

/* The string at byte offset `off` of the mapped blob, or NULL for offset 0. */
static inline const char *str_at(const struct region *r, uint32_t off) {
  return off ? r->base + off : (const char *)0;
}

/* Reports a failure to A ('E': stage, errno, detail) and exits 127 (cage.c). */
__attribute__((noreturn)) void die(int stage, long err, int detail);

/* C from its clone to its execve (program.c); `arg` is B's struct region. Never returns on success. */
int child_c(void *arg);

/* Writes v in decimal at out; returns the length (at most 10). */
static inline size_t put_u32(char *out, uint32_t v) {
  char d[10];
  size_t m = 0, n = 0;
  do d[m++] = (char)('0' + v % 10);
  while ((v /= 10) && m < sizeof d);
  while (m) out[n++] = d[--m];
  return n;
}

/* Writes one id map line, "inside outside 1\n", at out (at least 24 bytes); returns its length. */
static inline size_t put_map_line(char *out, uint32_t inside, uint32_t outside) {
  size_t n = put_u32(out, inside);
  out[n++] = ' ';
  n += put_u32(out + n, outside);
  out[n++] = ' ';
  out[n++] = '1';
  out[n++] = '\n';
  return n;
}

#endif
