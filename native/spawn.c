/*
 * spawn.c: libcage.so, the only native code the worker (Node.js, through koffi) calls.
 *
 * cage_spawn() clones a stub with CLONE_VM | CLONE_VFORK and the namespace flags, posix_spawn
 * style: no page tables are copied, so the cost stays flat however large the worker grows.
 * The stub runs in the worker's address space, on its own stack, with every signal blocked
 * (until caged-init unblocks them after the exec, which resets every caught signal), and does
 * only raw system calls: it resets the signals the worker ignores to their default, asks for SIGKILL
 * when the worker dies, moves the control socket onto fd 3 and the preparation blob (if any)
 * onto fd 4, closes every other fd and execs
 * caged-init (cage.c), which becomes the container's init with an address space of its own.
 * The caller resumes when that exec has happened (or failed: then the stub reports on the
 * control socket). caged-init then waits for its run: cage_send_fds() hands it stdin, stdout,
 * stderr and the configuration memfd in one message. So a container can be started ahead of
 * its run (a prepared container: the worker does, on a libuv pool thread: see src/sandbox/prepared-containers.ts) and the
 * namespaces' creation is off the run's critical path.
 *
 * Rootless (userns_fd >= 0): an unprivileged worker cannot create the namespaces by clone,
 * so the stub first enters the worker's user namespace (made once, mapped by newuidmap), in
 * which the worker is root, unshares the other namespaces there (so they belong to it), and
 * clones B with CLONE_PARENT (B's parent is the worker, as in root mode: wait4, PDEATHSIG and
 * SIGCHLD work the same) into the new PID namespace, where B is PID 1. The stub waits for B's
 * exec (vfork), tells the worker B's pid through the shared memory, and exits; the worker
 * reaps it here.
 *
 * cage_cpu_ns() reads B's CPU clock when the worker hands it its run: B's own set-up is not the
 * program's CPU time (src/sandbox/container-run.ts).
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define STUB_STACK (32 * 1024)

struct stub_args {
  const char *init_path;
  int ctl;
  int prep;   /* the preparation blob's memfd, or -1 */
  int userns; /* rootless: the worker's user namespace, or -1 */
  unsigned long ns_flags; /* rootless: the namespaces the stub unshares */
  char *b_stack_top;      /* rootless: B's stack until its exec */
  uint64_t ignored;       /* signals the worker ignores (bit n-1 for signal n) */
  volatile long b_pid;    /* rootless: B's pid, or -errno, written by the stub */
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

static int exec_init(void *arg) {
  const struct stub_args *a = arg;
  /* The worker dying takes the container with it. */
  sys6(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0, 0);
  static char *const argv[] = {"caged-init", 0};
  static char *const envp[] = {0};
  long rc = sys6(SYS_execve, (long)a->init_path, (long)argv, (long)envp, 0, 0, 0);
  stub_fail(CAGE_STAGE_EXEC_INIT, rc);
  return 127;
}

static int stub(void *arg) {
  struct stub_args *a = arg;
  long rc;
  /* Every signal stays blocked until caged-init unblocks them after its exec, so no handler of
   * the worker runs here; execve resets caught signals to their default. Ignored ones stay
   * ignored across it: those (SIGPIPE in Node) go back to their default here. */
  struct ksigaction dfl = {0, 0, 0, 0};
  for (int sig = 1; sig <= 64; sig++)
    if (a->ignored & (1ULL << (sig - 1))) sys6(SYS_rt_sigaction, sig, (long)&dfl, 0, 8, 0, 0);
  if (a->userns >= 0) {
    /* Rootless: into the worker's user namespace, where the worker is root; the namespaces
     * unshared there belong to it. A failure here has no B: the worker learns it from b_pid. */
    if ((rc = sys6(SYS_setns, a->userns, CLONE_NEWUSER, 0, 0, 0, 0)) < 0 ||
        (rc = sys6(SYS_unshare, (long)a->ns_flags, 0, 0, 0, 0, 0)) < 0) {
      a->b_pid = rc;
      for (;;) sys6(SYS_exit, 127, 0, 0, 0, 0, 0);
    }
  }
  /* The control socket onto fd 3 (without O_CLOEXEC: it survives the exec of caged-init);
   * every other fd the worker had open (other launches' sockets too) is closed. */
  int prep = a->prep;
  if (prep == 3 && (prep = (int)sys6(SYS_fcntl, 3, F_DUPFD, 5, 0, 0, 0)) < 0) for (;;) sys6(SYS_exit, 127, 0, 0, 0, 0, 0);
  if (a->ctl != 3 && (rc = sys6(SYS_dup3, a->ctl, 3, 0, 0, 0, 0)) < 0) for (;;) sys6(SYS_exit, 127, 0, 0, 0, 0, 0);
  if (a->ctl == 3 && (rc = sys6(SYS_fcntl, 3, F_SETFD, 0, 0, 0, 0)) < 0) for (;;) sys6(SYS_exit, 127, 0, 0, 0, 0, 0);
  /* The preparation blob onto fd 4, also surviving the exec. */
  if (prep >= 0 && prep != 4 && (rc = sys6(SYS_dup3, prep, 4, 0, 0, 0, 0)) < 0) stub_fail(CAGE_STAGE_FDS, rc);
  if (prep == 4 && (rc = sys6(SYS_fcntl, 4, F_SETFD, 0, 0, 0, 0)) < 0) stub_fail(CAGE_STAGE_FDS, rc);
  int keep = prep >= 0 ? 4 : 3; /* the last fd kept */
  rc = sys6(SYS_close_range, 0, 2, 0, 0, 0, 0);
  if (rc == 0) rc = sys6(SYS_close_range, keep + 1, ~0U, 0, 0, 0, 0);
  if (rc == -ENOSYS) {
    for (int fd = 0; fd < 65536; fd++)
      if (fd < 3 || fd > keep) sys6(SYS_close, fd, 0, 0, 0, 0, 0);
  } else if (rc < 0) {
    stub_fail(CAGE_STAGE_FDS, rc);
  }
  if (a->userns < 0) return exec_init(a);
  /* B: PID 1 of the new PID namespace, the worker's child (CLONE_PARENT); we resume once it
   * has exec'd (or failed: then it reported on fd 3 and its exit is the worker's to reap). */
  a->b_pid = clone_on(CLONE_VM | CLONE_VFORK | CLONE_PARENT, a->b_stack_top, exec_init, a, 0);
  for (;;) sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
}

/* The signals this process ignores, from /proc/self/status ("SigIgn:", 16 hex digits for 64
 * signals on x86_64 and aarch64): three system calls where asking for every disposition would
 * be 64. All of them when it cannot be read or has another width (every signal is then reset).
 * Read before the clone, whose copy of the dispositions the stub resets: Node ignores signals
 * only at its start (SIGPIPE, SIGXFSZ), and a signal it handles is reset by the exec anyway. */
static uint64_t ignored_signals(void) {
  char buf[4096];
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ~0ULL;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return ~0ULL;
  buf[n] = 0;
  const char *p = strstr(buf, "\nSigIgn:");
  if (!p) return ~0ULL;
  p += strspn(p + 8, " \t") + 8;
  if (strspn(p, "0123456789abcdef") != 16 || p[16] != '\n') return ~0ULL;
  return strtoull(p, NULL, 16);
}

int cage_spawn(const char *init_path, int32_t ctl, int32_t prep, uint32_t clone_flags, int32_t userns_fd) {
  struct stub_args args;
  args.init_path = init_path;
  args.ctl = ctl;
  args.prep = prep;
  args.userns = userns_fd;
  args.ns_flags = clone_flags & ~(unsigned long)CLONE_NEWUSER;
  args.b_pid = -ECHILD;
  args.ignored = ignored_signals();
  size_t stacks = userns_fd >= 0 ? 2 : 1;
  char *stack = mmap(NULL, STUB_STACK * stacks, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -errno;
  args.b_stack_top = stack + STUB_STACK * stacks;
  /* Block every signal around clone so that no handler of the worker runs in the stub. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  unsigned long flags = userns_fd >= 0 ? 0 : (unsigned long)args.ns_flags;
  long pid = clone_on(CLONE_VM | CLONE_VFORK | flags | SIGCHLD, stack + STUB_STACK, stub, &args, 0);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (pid > 0 && userns_fd >= 0) {
    /* The stub has exited (vfork): reap it; B is the result. */
    int st;
    while (waitpid((pid_t)pid, &st, __WALL) < 0 && errno == EINTR) {
    }
    pid = args.b_pid;
  }
  munmap(stack, STUB_STACK * stacks); /* the stubs have exec'd or exited: their stacks are free */
  return (int)pid;
}

int cage_send_fds(int32_t sock, const int32_t *fds, uint32_t n) {
  if (n < CAGE_RUN_FDS || n > CAGE_RUN_FDS + CAGE_RUN_EXTRA_MAX) return -EINVAL;
  struct run_msg m;
  run_msg_init(&m, CAGE_RUN, n);
  struct cmsghdr *h = CMSG_FIRSTHDR(&m.msg);
  h->cmsg_level = SOL_SOCKET;
  h->cmsg_type = SCM_RIGHTS;
  h->cmsg_len = CMSG_LEN(sizeof(int) * n);
  memcpy(CMSG_DATA(h), fds, sizeof(int) * n);
  for (;;) {
    ssize_t rc = sendmsg(sock, &m.msg, MSG_NOSIGNAL);
    if (rc == 1) return 0;
    if (rc < 0 && errno == EINTR) continue;
    return rc < 0 ? -errno : -EIO;
  }
}

int64_t cage_cpu_ns(int32_t pid) {
  /* glibc's MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED): the process's CPU clock, which the kernel
   * lets any process read (clock_getcpuclockid(3) without its probe). */
  clockid_t clock = (clockid_t)((~(uint32_t)pid << 3) | 2u);
  struct timespec ts;
  if (clock_gettime(clock, &ts) < 0) return -errno;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint32_t cage_abi_sizes(void) {
  return (uint32_t)(sizeof(struct cage_cfg) | (sizeof(struct cage_op) << 8) |
                    (sizeof(struct cage_rlimit) << 16) | (sizeof(struct cage_msg) << 24));
}

/* Formatted once, on the first call (from the main thread, at load). */
const char *cage_abi_layout(void) {
  static char out[2048];
  if (out[0]) return out;
  static const struct {
    const char *name;
    size_t off;
  } f[] = {
#define F(s, m) {#s "." #m, offsetof(struct s, m)}
      F(cage_op, kind), F(cage_op, opflags), F(cage_op, src), F(cage_op, dst), F(cage_op, fstype),
      F(cage_op, data), F(cage_op, mode), F(cage_op, arg), F(cage_op, flags),
      F(cage_rlimit, resource), F(cage_rlimit, pad), F(cage_rlimit, cur), F(cage_rlimit, max),
      F(cage_cfg, magic), F(cage_cfg, abi), F(cage_cfg, size), F(cage_cfg, uid), F(cage_cfg, gid),
      F(cage_cfg, hostname), F(cage_cfg, new_root), F(cage_cfg, ops), F(cage_cfg, nops), F(cage_cfg, cwd),
      F(cage_cfg, path), F(cage_cfg, argv), F(cage_cfg, argc), F(cage_cfg, envp), F(cage_cfg, envc),
      F(cage_cfg, rlimits), F(cage_cfg, nrlimits), F(cage_cfg, filter), F(cage_cfg, nfilter), F(cage_cfg, flags), F(cage_cfg, outer_uid), F(cage_cfg, outer_gid),
      F(cage_msg, type), F(cage_msg, stage), F(cage_msg, err), F(cage_msg, detail), F(cage_msg, status),
      F(cage_msg, sys_nr), F(cage_msg, sys_arch), F(cage_msg, c_pid), F(cage_msg, wall_ns), F(cage_msg, end_ns),
      F(cage_msg, cpu_ns), F(cage_msg, maxrss_kb),
#undef F
  };
  size_t at = 0;
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    at += (size_t)snprintf(out + at, sizeof out - at, "%s=%zu;", f[i].name, f[i].off);
  return out;
}
