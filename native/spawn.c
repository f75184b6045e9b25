/*
 * spawn.c: libcage.so, the only native code the worker (Node.js, through koffi) calls.
 *
 * cage_spawn() clones a stub with CLONE_VM | CLONE_VFORK and the namespace flags, posix_spawn
 * style: no page tables are copied, so the cost stays flat however large the worker grows.
 * The stub runs in the worker's address space, on its own stack, with every signal blocked,
 * and does only raw system calls: it resets every signal to its default, asks for SIGKILL
 * when the worker dies, moves the five fds it was given onto 0-4 (stdin, stdout, stderr,
 * control socket, configuration memfd), closes every other fd and execs caged-init (cage.c),
 * which becomes the container's init with an address space of its own. The worker resumes
 * when that exec has happened (or failed: then the stub reports on the control socket).
 */
#define _GNU_SOURCE
#include "cage.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sys.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define STUB_STACK (32 * 1024)

struct stub_args {
  const char *init_path;
  int fds[5];
};

struct ksigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  unsigned long mask;
};

static void stub_fail(int stage, long rc) {
  struct cage_msg m;
  volatile char *p = (volatile char *)&m;
  for (size_t i = 0; i < sizeof m; i++) p[i] = 0;
  m.type = CAGE_MSG_ERROR;
  m.stage = stage;
  m.err = (int32_t)-rc;
  m.detail = -1;
  m.sys_nr = -1;
  sys6(SYS_write, 3, (long)&m, sizeof m, 0, 0, 0);
  for (;;) sys6(SYS_exit, 127, 0, 0, 0, 0, 0);
}

static int stub(void *arg) {
  const struct stub_args *a = arg;
  long rc;
  struct ksigaction dfl = {0, 0, 0, 0};
  for (int sig = 1; sig <= 64; sig++) sys6(SYS_rt_sigaction, sig, (long)&dfl, 0, 8, 0, 0);
  unsigned long none = 0;
  sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8, 0, 0);
  /* The worker dying takes the container with it. */
  sys6(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0, 0);
  int tmp[5];
  for (int i = 0; i < 5; i++) {
    rc = sys6(SYS_fcntl, a->fds[i], F_DUPFD_CLOEXEC, 64, 0, 0, 0);
    if (rc < 0) for (;;) sys6(SYS_exit, 127, 0, 0, 0, 0, 0); /* no control socket to report on */
    tmp[i] = (int)rc;
  }
  for (int i = 0; i < 5; i++) {
    /* dup3 without O_CLOEXEC: 0-4 survive the exec of caged-init. */
    if ((rc = sys6(SYS_dup3, tmp[i], i, 0, 0, 0, 0)) < 0) for (;;) sys6(SYS_exit, 127, 0, 0, 0, 0, 0);
  }
  /* Everything else the worker had open (other launches' sockets too) is closed. */
  rc = sys6(SYS_close_range, 5, ~0U, 0, 0, 0, 0);
  if (rc == -ENOSYS)
    for (int fd = 5; fd < 65536; fd++) sys6(SYS_close, fd, 0, 0, 0, 0, 0);
  else if (rc < 0)
    stub_fail(CAGE_STAGE_FDS, rc);
  static char *const argv[] = {"caged-init", 0};
  static char *const envp[] = {0};
  rc = sys6(SYS_execve, (long)a->init_path, (long)argv, (long)envp, 0, 0, 0);
  stub_fail(CAGE_STAGE_EXEC_INIT, rc);
  return 127;
}

int cage_spawn(const char *init_path, const int32_t *fds, uint32_t clone_flags) {
  struct stub_args args;
  args.init_path = init_path;
  for (int i = 0; i < 5; i++) args.fds[i] = fds[i];
  char *stack = mmap(NULL, STUB_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -errno;
  /* Block every signal around clone so that no handler of the worker runs in the stub. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  long pid = clone_on(CLONE_VM | CLONE_VFORK | (clone_flags & ~(unsigned long)CLONE_NEWUSER) | SIGCHLD,
                      stack + STUB_STACK, stub, &args);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  munmap(stack, STUB_STACK); /* the stub has exec'd or exited: its stack is free */
  return (int)pid;
}

uint32_t cage_abi_sizes(void) {
  return (uint32_t)(sizeof(struct cage_cfg) | (sizeof(struct cage_op) << 8) |
                    (sizeof(struct cage_rlimit) << 16) | (sizeof(struct cage_msg) << 24));
}
