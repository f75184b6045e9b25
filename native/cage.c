/*
 * cage.c: the native side of a caged container.
 *
 * Theory of operation
 * -------------------
 * Three processes make a container:
 *
 *   A  the worker (Node.js). Decides everything: the mounts, ids, limits, the seccomp program.
 *      It serialises that into one blob and calls cage_spawn() through koffi, on its main
 *      thread. A never enters a namespace.
 *   B  the container init, cloned by cage_spawn() with CLONE_VM (posix_spawn style, so the
 *      cost does not grow with the worker's memory) and new mount, PID, network, UTS, IPC and
 *      cgroup namespaces. B is PID 1 inside. It shares the worker's address space, so it may
 *      run only the code in this file: raw system calls, no libc, no allocation, no locks,
 *      no JavaScript. Its stack and its copy of the blob live in a private mapping.
 *   C  the untrusted program, forked by B (CLONE_VM | CLONE_VFORK | CLONE_FILES, on a second
 *      stack in the same mapping). It drops to uid/gid 256, loses every capability, sets
 *      rlimits, no_new_privs and the seccomp filter, and execs. C is never PID 1, so its own
 *      abort() or kill(getpid(), ...) behave as on any Linux box.
 *
 * The handshake, on a SOCK_STREAM socketpair whose B end is fd 3 inside:
 *
 *   B: signals to default, fds onto 0-3, hostname, setgroups(0), / private, the mount
 *      operations, pivot_root, detach the old root, unshare(CLONE_NEWUSER)
 *   B -> A  'U'       A writes /proc/B/uid_map, setgroups "deny", gid_map, attaches B to
 *                     the job's cgroup
 *   A -> B  'G'
 *   B: new cgroup namespace, SIGCHLD on a signalfd, vfork C
 *   C: caps, ids, rlimits, cwd, no_new_privs, seccomp (its notification fd lands in the
 *      shared fd table for B), private fd table, execve
 *   B -> A  'S'       C runs
 *   B: reaps every zombie; a seccomp notification means a forbidden system call: B
 *      records it and kills everything; when C has been reaped B kills what C left
 *   B -> A  'X'       C's wait status, the forbidden call, C's wall time; B exits, and the
 *                     kernel tears down the namespaces and every mount made in them
 *
 * Any failure before execve sends 'E' with a stage and an errno, then the process exits 127.
 * Mounting must happen before unshare(CLONE_NEWUSER): the mount namespace belongs to the
 * initial user namespace and a process inside the new one gets EPERM.
 */
#define _GNU_SOURCE
#include "cage.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_IOCTL_NOTIF_RECV
#define SECCOMP_IOCTL_NOTIF_RECV 0xc0502100UL
#endif

#define STACK_BYTES (64 * 1024)
#define PAGE 4096

/* ---------------------------------------------------------------- raw system calls */

#if defined(__x86_64__)
static inline long sys6(long n, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

/* clone onto a new stack and run fn(arg) there, then _exit with its result. */
static long clone_on(unsigned long flags, void *stack_top, int (*fn)(void *), void *arg) {
  register long r10 __asm__("r10") = 0; /* child_tid */
  register long r8 __asm__("r8") = 0;   /* tls */
  register void *r12 __asm__("r12") = (void *)fn;
  register void *r13 __asm__("r13") = arg;
  long ret;
  __asm__ volatile("syscall\n\t"
                   "test %%rax, %%rax\n\t"
                   "jnz 1f\n\t"
                   "xor %%ebp, %%ebp\n\t"
                   "mov %%r13, %%rdi\n\t"
                   "call *%%r12\n\t"
                   "mov %%eax, %%edi\n\t"
                   "mov $60, %%eax\n\t"
                   "syscall\n\t"
                   "ud2\n"
                   "1:\n\t"
                   : "=a"(ret)
                   : "a"((long)SYS_clone), "D"(flags), "S"(stack_top), "d"(0), "r"(r10),
                     "r"(r8), "r"(r12), "r"(r13)
                   : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
static inline long sys6(long n, long a, long b, long c, long d, long e, long f) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc #0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory");
  return x0;
}

static long clone_on(unsigned long flags, void *stack_top, int (*fn)(void *), void *arg) {
  register long x8 __asm__("x8") = SYS_clone;
  register long x0 __asm__("x0") = (long)flags;
  register long x1 __asm__("x1") = (long)stack_top;
  register long x2 __asm__("x2") = 0; /* parent_tid */
  register long x3 __asm__("x3") = 0; /* tls */
  register long x4 __asm__("x4") = 0; /* child_tid */
  register void *x19 __asm__("x19") = (void *)fn;
  register void *x20 __asm__("x20") = arg;
  __asm__ volatile("svc #0\n\t"
                   "cbnz x0, 1f\n\t"
                   "mov x29, xzr\n\t"
                   "mov x0, x20\n\t"
                   "blr x19\n\t"
                   "mov x8, #93\n\t"
                   "svc #0\n\t"
                   "brk #0\n"
                   "1:\n\t"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x19), "r"(x20)
                   : "memory", "x30");
  return x0;
}
#else
#error "caged supports x86_64 and aarch64"
#endif

#define S0(n) sys6((n), 0, 0, 0, 0, 0, 0)
#define S1(n, a) sys6((n), (long)(a), 0, 0, 0, 0, 0)
#define S2(n, a, b) sys6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define S3(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define S4(n, a, b, c, d) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define S5(n, a, b, c, d, e) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/* ---------------------------------------------------------------- the private mapping */

/* State shared by B and C (same address space until C's execve). */
struct shared {
  volatile int32_t c_failed;
  volatile int32_t listener_fd;
};

/* Layout of the mapping: [guard][B stack][guard][C stack][shared][blob][argv ptrs][envp ptrs] */
struct region {
  size_t length;
  struct shared *shared;
  const struct cage_cfg *cfg;
  const char *base; /* start of the copied blob */
  char *const *argv;
  char *const *envp;
  char *b_stack_top;
  char *c_stack_top;
};

static inline const char *str_at(const struct region *r, uint32_t off) {
  return off ? r->base + off : (const char *)0;
}

/* ---------------------------------------------------------------- helpers for B and C */

static void send_msg(const struct cage_msg *m) {
  const char *p = (const char *)m;
  size_t left = sizeof *m;
  while (left > 0) {
    long n = S3(SYS_write, 3, p, left);
    if (n == -EINTR) continue;
    if (n <= 0) return; /* A is gone; nothing else to tell */
    p += n;
    left -= (size_t)n;
  }
}

static void msg_init(struct cage_msg *m, uint32_t type) {
  volatile char *p = (volatile char *)m;
  for (size_t i = 0; i < sizeof *m; i++) p[i] = 0;
  m->type = type;
  m->sys_nr = -1;
  m->detail = -1;
}

static void report(int stage, long err, int detail) {
  struct cage_msg m;
  msg_init(&m, CAGE_MSG_ERROR);
  m.stage = stage;
  m.err = (int32_t)-err;
  m.detail = detail;
  send_msg(&m);
}

__attribute__((noreturn)) static void die(int stage, long err, int detail) {
  report(stage, err, detail);
  for (;;) S1(SYS_exit, 127);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  if (S2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) < 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The kernel's struct sigaction (not glibc's), as rt_sigaction expects it. */
struct ksigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  unsigned long mask;
};

/* ---------------------------------------------------------------- C: the program */

/* execve, searching the PATH of the program's own environment when the name has no slash
 * (execvp without allocation: the candidate is built on this stack). */
static long exec_search(const char *name, char *const *argv, char *const *envp) {
  int has_slash = 0;
  size_t nlen = 0;
  for (; name[nlen]; nlen++) has_slash |= name[nlen] == '/';
  if (has_slash) return S3(SYS_execve, name, argv, envp);
  const char *pathv = "/usr/local/bin:/usr/bin:/bin";
  for (char *const *e = envp; *e; e++) {
    const char *v = *e;
    if (v[0] == 'P' && v[1] == 'A' && v[2] == 'T' && v[3] == 'H' && v[4] == '=') pathv = v + 5;
  }
  char buf[4096];
  long last = -ENOENT;
  const char *p = pathv;
  for (;;) {
    const char *end = p;
    while (*end && *end != ':') end++;
    size_t dlen = (size_t)(end - p);
    if (dlen + 1 + nlen + 1 <= sizeof buf) {
      size_t k = 0;
      for (size_t i = 0; i < dlen; i++) buf[k++] = p[i];
      if (dlen == 0) buf[k++] = '.';
      buf[k++] = '/';
      for (size_t i = 0; i < nlen; i++) buf[k++] = name[i];
      buf[k] = 0;
      long rc = S3(SYS_execve, buf, argv, envp);
      if (rc != -ENOENT && rc != -ENOTDIR) last = rc;
      if (rc != -ENOENT && rc != -ENOTDIR && rc != -EACCES) return rc;
    }
    if (!*end) return last;
    p = end + 1;
  }
}

static int child_c(void *arg) {
  const struct region *r = arg;
  const struct cage_cfg *cfg = r->cfg;
  struct shared *sh = r->shared;
  unsigned long empty = 0;
  long rc;

  if ((rc = S4(SYS_rt_sigprocmask, SIG_SETMASK, &empty, 0, sizeof empty)) < 0) goto signals;

  /* Capabilities: empty the bounding and ambient sets while we still may, then change ids,
   * then clear what is left. uid 0 is not mapped in the namespace, so the kernel's own
   * "dropping root clears capabilities" rule does not apply: we clear them ourselves. */
  for (int cap = 0; cap <= 63; cap++) {
    rc = S2(SYS_prctl, PR_CAPBSET_DROP, cap);
    if (rc < 0 && rc != -EINVAL) goto caps;
  }
  rc = S5(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (rc < 0 && rc != -EINVAL) goto caps;
  if ((rc = S3(SYS_setresgid, cfg->gid, cfg->gid, cfg->gid)) < 0) die(CAGE_STAGE_SETGID, rc, -1);
  if ((rc = S3(SYS_setresuid, cfg->uid, cfg->uid, cfg->uid)) < 0) die(CAGE_STAGE_SETUID, rc, -1);
  {
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    volatile char *p = (volatile char *)data;
    for (size_t i = 0; i < sizeof data; i++) p[i] = 0;
    if ((rc = S2(SYS_capset, &hdr, data)) < 0) goto caps;
  }

  const struct cage_rlimit *rl = (const struct cage_rlimit *)(r->base + cfg->rlimits);
  for (uint32_t i = 0; i < cfg->nrlimits; i++) {
    uint64_t lim[2] = {rl[i].cur, rl[i].max};
    if ((rc = S4(SYS_prlimit64, 0, rl[i].resource, lim, 0)) < 0) die(CAGE_STAGE_RLIMIT, rc, (int)i);
  }

  if ((rc = S1(SYS_chdir, str_at(r, cfg->cwd))) < 0) die(CAGE_STAGE_CHDIR_CWD, rc, -1);
  if ((rc = S5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) < 0) die(CAGE_STAGE_NO_NEW_PRIVS, rc, -1);

  /* Once the filter is in, only allowed calls may follow: a notified one would wait for B,
   * and B waits for us (vfork). close_range, fcntl, execve, write and exit are allowed. */
  if (cfg->nfilter > 0) {
    struct sock_fprog prog = {(unsigned short)cfg->nfilter,
                              (struct sock_filter *)(r->base + cfg->filter)};
    unsigned long flags = (cfg->flags & CAGE_F_SECCOMP_LISTENER) ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
    rc = S3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (rc < 0) die(CAGE_STAGE_SECCOMP, rc, -1);
    if (flags) sh->listener_fd = (int32_t)rc;
  }

  /* A private fd table: only 0, 1, 2 and the control socket (close-on-exec) remain. */
  if ((rc = S3(SYS_close_range, 4, ~0U, CLOSE_RANGE_UNSHARE)) < 0) die(CAGE_STAGE_CLOSE_FDS, rc, -1);
  if ((rc = S3(SYS_fcntl, 3, F_SETFD, FD_CLOEXEC)) < 0) die(CAGE_STAGE_CLOSE_FDS, rc, -1);

  rc = exec_search(str_at(r, cfg->path), r->argv, r->envp);
  sh->c_failed = 1;
  die(CAGE_STAGE_EXEC, rc, -1);
signals:
  sh->c_failed = 1;
  die(CAGE_STAGE_SIGNALS, rc, -1);
caps:
  sh->c_failed = 1;
  die(CAGE_STAGE_CAPS, rc, -1);
}

/* ---------------------------------------------------------------- B: the container init */

static void do_ops(const struct region *r) {
  const struct cage_cfg *cfg = r->cfg;
  const struct cage_op *ops = (const struct cage_op *)(r->base + cfg->ops);
  for (uint32_t i = 0; i < cfg->nops; i++) {
    const struct cage_op *op = &ops[i];
    const char *dst = str_at(r, op->dst);
    long rc;
    switch (op->kind) {
    case CAGE_OP_MOUNT:
      rc = S5(SYS_mount, str_at(r, op->src), dst, str_at(r, op->fstype), op->flags, str_at(r, op->data));
      break;
    case CAGE_OP_MKDIR:
      rc = S3(SYS_mkdirat, AT_FDCWD, dst, op->mode);
      if (rc == -EEXIST) rc = 0;
      break;
    case CAGE_OP_MKFILE:
      rc = S4(SYS_openat, AT_FDCWD, dst, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, op->mode);
      if (rc >= 0) rc = S1(SYS_close, rc);
      break;
    case CAGE_OP_SYMLINK:
      rc = S3(SYS_symlinkat, str_at(r, op->src), AT_FDCWD, dst);
      if (rc == -EEXIST) rc = 0;
      break;
    case CAGE_OP_CHOWN:
      rc = S5(SYS_fchownat, AT_FDCWD, dst, op->mode, op->arg, AT_SYMLINK_NOFOLLOW);
      break;
    default:
      rc = -EINVAL;
    }
    if (rc == -ENOENT && (op->opflags & CAGE_OPF_OPTIONAL)) continue;
    if (rc < 0) die(CAGE_STAGE_OP, rc, (int)i);
  }
}

/* Kill everything in the PID namespace but B, then reap it all. */
static void kill_and_reap(void) {
  S2(SYS_kill, -1, SIGKILL);
  for (;;) {
    long rc = S5(SYS_wait4, -1, 0, __WALL, 0, 0);
    if (rc == -EINTR) continue;
    if (rc < 0) break;
  }
}

static int child_b(void *arg) {
  const struct region *r = arg;
  const struct cage_cfg *cfg = r->cfg;
  long rc;

  /* 1. Signals: every handler back to default (Node's would run in our address space), then
   *    unblock (cage_spawn blocked everything around clone). */
  {
    struct ksigaction dfl = {0, 0, 0, 0};
    for (int sig = 1; sig <= 64; sig++) S4(SYS_rt_sigaction, sig, &dfl, 0, 8);
    unsigned long none = 0;
    if ((rc = S4(SYS_rt_sigprocmask, SIG_SETMASK, &none, 0, 8)) < 0) die(CAGE_STAGE_SIGNALS, rc, -1);
  }
  /* The worker dying takes the container with it. */
  if ((rc = S2(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL)) < 0) die(CAGE_STAGE_PDEATHSIG, rc, -1);

  /* 2. fds: stdin, stdout, stderr, control onto 0..3; everything else inherited from the
   *    worker (including other launches' socket ends) closed before any blocking read. */
  {
    int src[4] = {cfg->stdin_fd, cfg->stdout_fd, cfg->stderr_fd, cfg->ctl_fd};
    int tmp[4];
    for (int i = 0; i < 4; i++) {
      rc = S3(SYS_fcntl, src[i], F_DUPFD_CLOEXEC, 64);
      if (rc < 0) {
        /* The control socket may be what failed: nothing to report through. */
        for (;;) S1(SYS_exit, 127);
      }
      tmp[i] = (int)rc;
    }
    for (int i = 0; i < 4; i++) {
      if ((rc = S3(SYS_dup3, tmp[i], i, 0)) < 0) die(CAGE_STAGE_FDS, rc, i);
    }
    rc = S3(SYS_close_range, 4, ~0U, 0);
    if (rc == -ENOSYS)
      for (int fd = 4; fd < 65536; fd++) S1(SYS_close, fd);
    else if (rc < 0)
      die(CAGE_STAGE_FDS, rc, -1);
  }

  /* 3. Identity of the box: hostname, and no supplementary groups (after the user namespace
   *    exists, setgroups is denied, so this is the only moment to drop the worker's). */
  {
    const char *h = str_at(r, cfg->hostname);
    size_t n = 0;
    while (h[n]) n++;
    if ((rc = S2(SYS_sethostname, h, n)) < 0) die(CAGE_STAGE_HOSTNAME, rc, -1);
  }
  if ((rc = S2(SYS_setgroups, 0, 0)) < 0) die(CAGE_STAGE_SETGROUPS, rc, -1);

  /* 4. Mounts: nothing propagates back to the host; then the worker's plan, in order. */
  if ((rc = S5(SYS_mount, 0, "/", 0, MS_REC | MS_PRIVATE, 0)) < 0) die(CAGE_STAGE_MOUNT_PRIVATE, rc, -1);
  do_ops(r);

  /* 5. The job's root becomes "/", and the host's root is detached. */
  if ((rc = S1(SYS_chdir, str_at(r, cfg->new_root))) < 0) die(CAGE_STAGE_CHDIR_ROOT, rc, -1);
  if ((rc = S2(SYS_pivot_root, ".", ".")) < 0) die(CAGE_STAGE_PIVOT_ROOT, rc, -1);
  if ((rc = S2(SYS_umount2, ".", MNT_DETACH)) < 0) die(CAGE_STAGE_UMOUNT_OLD, rc, -1);
  if ((rc = S1(SYS_chdir, "/")) < 0) die(CAGE_STAGE_CHDIR_ROOT, rc, -1);

  /* 6. The user namespace, and the handshake: A writes the maps and attaches the cgroup. */
  if ((rc = S1(SYS_unshare, CLONE_NEWUSER)) < 0) die(CAGE_STAGE_USERNS, rc, -1);
  {
    struct cage_msg m;
    msg_init(&m, CAGE_MSG_USERNS);
    send_msg(&m);
    char go = 0;
    do rc = S3(SYS_read, 3, &go, 1);
    while (rc == -EINTR);
    if (rc != 1 || go != CAGE_GO) {
      /* A is gone or refused: there is nobody to report to. */
      for (;;) S1(SYS_exit, 127);
    }
  }
  if (cfg->flags & CAGE_F_CGROUPNS) {
    if ((rc = S1(SYS_unshare, CLONE_NEWCGROUP)) < 0) die(CAGE_STAGE_CGROUPNS, rc, -1);
  }

  /* 7. SIGCHLD through a signalfd, so one poll waits for children and seccomp notices. */
  unsigned long chld = 1UL << (SIGCHLD - 1);
  if ((rc = S4(SYS_rt_sigprocmask, SIG_BLOCK, &chld, 0, 8)) < 0) die(CAGE_STAGE_SIGNALFD, rc, -1);
  long sfd = S4(SYS_signalfd4, -1, &chld, 8, O_CLOEXEC | O_NONBLOCK);
  if (sfd < 0) die(CAGE_STAGE_SIGNALFD, sfd, -1);

  /* 8. C. vfork semantics: we resume once C has exec'd or died. */
  r->shared->c_failed = 0;
  r->shared->listener_fd = -1;
  uint64_t t0 = now_ns();
  long c_pid = clone_on(CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, r->c_stack_top, child_c, (void *)r);
  if (c_pid < 0) die(CAGE_STAGE_FORK, c_pid, -1);
  int listener = r->shared->listener_fd;
  /* B no longer needs the program's stdio: EOF on the pipes then depends on the program alone. */
  S1(SYS_close, 0);
  S1(SYS_close, 1);
  S1(SYS_close, 2);
  if (r->shared->c_failed) {
    kill_and_reap(); /* C already sent its 'E' */
    for (;;) S1(SYS_exit, 127);
  }
  {
    struct cage_msg m;
    msg_init(&m, CAGE_MSG_STARTED);
    m.c_pid = (int32_t)c_pid;
    send_msg(&m);
  }

  /* 9. Supervise: reap zombies, catch forbidden calls, until C has ended. */
  struct cage_msg x;
  msg_init(&x, CAGE_MSG_EXIT);
  x.c_pid = (int32_t)c_pid;
  int c_done = 0;
  while (!c_done) {
    struct pollfd pfd[2] = {{(int)sfd, POLLIN, 0}, {listener, POLLIN, 0}};
    rc = S5(SYS_ppoll, pfd, listener >= 0 ? 2 : 1, 0, 0, 8);
    if (rc == -EINTR) continue;
    if (rc < 0) die(CAGE_STAGE_SUPERVISE, rc, -1);
    if (listener >= 0 && (pfd[1].revents & POLLIN)) {
      struct {
        uint64_t id;
        uint32_t pid;
        uint32_t flags;
        struct seccomp_data data;
      } notif;
      volatile char *p = (volatile char *)&notif;
      for (size_t i = 0; i < sizeof notif; i++) p[i] = 0;
      if (S3(SYS_ioctl, listener, SECCOMP_IOCTL_NOTIF_RECV, &notif) == 0 && x.sys_nr < 0) {
        x.sys_nr = notif.data.nr;
        x.sys_arch = notif.data.arch;
      }
      S2(SYS_kill, -1, SIGKILL); /* a forbidden call ends the whole box */
    } else if (listener >= 0 && (pfd[1].revents & (POLLHUP | POLLERR | POLLNVAL))) {
      listener = -1; /* no filtered process is left */
    }
    char buf[128 * 4];
    while (S3(SYS_read, sfd, buf, sizeof buf) > 0) {
    }
    for (;;) {
      int status = 0;
      long pid = S5(SYS_wait4, -1, &status, WNOHANG | __WALL, 0, 0);
      if (pid <= 0) break;
      if (pid == c_pid) {
        x.status = status;
        x.wall_ns = now_ns() - t0;
        c_done = 1;
      }
    }
  }
  kill_and_reap();
  send_msg(&x);
  for (;;) S1(SYS_exit, 0);
}

/* ---------------------------------------------------------------- parent side (A's thread) */

static size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

int cage_spawn(const uint8_t *blob, uint32_t len, void **region_out) {
  *region_out = NULL;
  if (len < sizeof(struct cage_cfg)) return -EINVAL;
  const struct cage_cfg *in = (const struct cage_cfg *)blob;
  if (in->magic != CAGE_MAGIC || in->abi != CAGE_ABI || in->size != len) return -EINVAL;
  if (in->argc == 0 || (uint64_t)in->argv + 4ull * in->argc > len || (uint64_t)in->envp + 4ull * in->envc > len ||
      (uint64_t)in->ops + (uint64_t)sizeof(struct cage_op) * in->nops > len ||
      (uint64_t)in->rlimits + (uint64_t)sizeof(struct cage_rlimit) * in->nrlimits > len ||
      (uint64_t)in->filter + 8ull * in->nfilter > len || in->filter % 8 != 0 || in->nfilter > 4096 ||
      blob[len - 1] != 0)
    return -EINVAL;

  size_t stacks = 2 * (PAGE + STACK_BYTES);
  size_t shared_at = stacks;
  size_t blob_at = shared_at + round_up(sizeof(struct shared), 64);
  size_t argv_at = round_up(blob_at + len, 16);
  size_t envp_at = argv_at + sizeof(char *) * (in->argc + 1);
  size_t hdr_at = envp_at + sizeof(char *) * (in->envc + 1);
  size_t total = round_up(hdr_at + sizeof(struct region), PAGE);

  char *m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (m == MAP_FAILED) return -errno;
  /* Guard pages below each stack. */
  mprotect(m, PAGE, PROT_NONE);
  mprotect(m + PAGE + STACK_BYTES, PAGE, PROT_NONE);

  memcpy(m + blob_at, blob, len);
  struct region *r = (struct region *)(m + hdr_at);
  r->length = total;
  r->shared = (struct shared *)(m + shared_at);
  r->base = m + blob_at;
  r->cfg = (const struct cage_cfg *)r->base;
  const uint32_t *av = (const uint32_t *)(r->base + in->argv);
  const uint32_t *ev = (const uint32_t *)(r->base + in->envp);
  char **argv = (char **)(m + argv_at);
  char **envp = (char **)(m + envp_at);
  for (uint32_t i = 0; i < in->argc; i++) {
    if (av[i] == 0 || av[i] >= len) goto invalid;
    argv[i] = (char *)r->base + av[i];
  }
  argv[in->argc] = NULL;
  for (uint32_t i = 0; i < in->envc; i++) {
    if (ev[i] == 0 || ev[i] >= len) goto invalid;
    envp[i] = (char *)r->base + ev[i];
  }
  envp[in->envc] = NULL;
  r->argv = argv;
  r->envp = envp;
  r->b_stack_top = m + PAGE + STACK_BYTES;
  r->c_stack_top = m + 2 * (PAGE + STACK_BYTES);

  /* Block every signal around clone so that no handler of the worker runs in B. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  long pid = clone_on(CLONE_VM | (in->clone_flags & ~(unsigned long)CLONE_NEWUSER) | SIGCHLD,
                      r->b_stack_top, child_b, r);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (pid < 0) {
    munmap(m, total);
    return (int)pid;
  }
  *region_out = r;
  return (int)pid;

invalid:
  munmap(m, total);
  return -EINVAL;
}

void cage_free(void *region) {
  if (!region) return;
  struct region *r = region;
  /* The mapping starts at the first guard page, which lies 2 stacks before the shared block. */
  char *start = (char *)r->shared - 2 * (PAGE + STACK_BYTES);
  munmap(start, r->length);
}

uint32_t cage_abi_sizes(void) {
  return (uint32_t)(sizeof(struct cage_cfg) | (sizeof(struct cage_op) << 8) |
                    (sizeof(struct cage_rlimit) << 16) | (sizeof(struct cage_msg) << 24));
}
