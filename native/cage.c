/*
 * cage.c: caged-init, the container's init (B) and the program's last steps (C).
 *
 * The three processes (A the worker, B this init, C the program) and the run sequence between
 * them, message by message, are told once in docs/architecture.md ("The run sequence"); the
 * messages themselves are cage.h's. This comment keeps what B and C may do. caged-init is
 * this file (B), setup-ops.c (B's set-up operations) and program.c (C from its clone to execve).
 *
 * Rules for B
 *   - B is a static binary with no libc: raw system calls only (sys.h), no malloc, no stdio,
 *     no locks. It has an address space of its own (spawn.c execs it from a CLONE_VM stub):
 *     it must, because the OOM killer would score a process sharing the worker's memory by
 *     the worker's size and kill every process sharing it, the worker included.
 *   - B decides nothing: every mount, id, limit and the seccomp program come from A in the
 *     preparation blob and the run's blob (sealed memfds); B executes them in order and
 *     reports the first failure as 'E' with a stage and an errno, then exits 127.
 *   - B never enters the program's user namespace. Root mode: B stays root of the initial user
 *     namespace, which owns the box's mount namespace (a process inside a new one gets EPERM on
 *     its mounts); it clones C into a new user namespace and writes C's maps itself (uid/gid
 *     256 to the leased host ids, setgroups "deny"): the kernel lets a process of the parent
 *     namespace holding CAP_SETUID/CAP_SETGID there write them. Rootless (CAGE_F_USERNS_FIRST):
 *     B starts in the worker's user namespace, as its root, and every namespace of the box
 *     belongs to that one: B mounts as its root; C enters one of its own (program.c), below the
 *     mounts' owner. Either way A sends nothing after the run ('R'): no round trip through the
 *     worker's event loop between the hand-over and the program's start.
 *   - What the program can reach of B: nothing. B's ids are root's of an ancestor user namespace,
 *     the program's are a leased host id with no capability in any namespace: ptrace and
 *     /proc/1's private files (mem, environ, fd/, maps: ptrace access checks) need B's uid or
 *     CAP_SYS_PTRACE over B's namespace; kill needs B's uid or CAP_KILL there, and B is PID 1 of
 *     the box, to which no signal from inside is delivered without a handler (SIGKILL, SIGSTOP
 *     never). B's fds (the control socket, the signalfd, the seccomp listener, the blob) are in a
 *     table the program does not have: C unshares its copy before execve, keeping 0, 1, 2, the
 *     program's extra fds (5, 6, …: cage.h's CAGE_RUN) and the control socket close-on-exec; B
 *     closes its own copies of the program's once it runs; B opens the map files while C still waits for them, so
 *     they are closed before C's copy is made. B's memory is C's only until C's execve.
 *   - B stays PID 1: it reaps every zombie, treats a seccomp notification as a forbidden
 *     system call (records it, kills everything), and when C has been reaped kills what C
 *     left, reports, and exits; the kernel tears down the namespaces and their mounts.
 *
 * Rules for C
 *   - C is cloned by B (CLONE_VM | CLONE_FILES | CLONE_CHILD_CLEARTID, root mode with
 *     CLONE_NEWUSER, on a second stack), without CLONE_VFORK, since B has C's maps to write
 *     while C waits for them: until execve C runs in B's memory, alongside B, so it only makes
 *     raw system calls and writes nothing of B's but `struct shared` (its failure flag, the
 *     seccomp listener's fd); B writes nothing C reads but `maps_written`, and touches neither
 *     C's stack nor what it reads until C is gone. The kernel clears `c_running` and wakes B
 *     when C's execve has happened or C died (vfork's semantics, on B's own terms).
 *   - Before execve C drops every capability, takes uid/gid 256, sets its rlimits, cwd,
 *     no_new_privs and the seccomp filter (its notification fd lands in the shared fd table
 *     for B), then unshares its fd table. C is never PID 1, so its own abort() or
 *     kill(getpid(), ...) behave as on any Linux box.
 */
#define _GNU_SOURCE
#include "cage.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef SECCOMP_IOCTL_NOTIF_RECV
#define SECCOMP_IOCTL_NOTIF_RECV 0xc0502100UL
#endif

#define STACK_BYTES (64 * 1024)
#define PAGE 4096

#include "init.h"
#include "setup-ops.h"
#include "sys.h"

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

/* Reports a failure ('E': stage, errno, detail) and exits 127; init.h declares it for C. */
void die(int stage, long err, int detail) {
  report(stage, err, detail);
  for (;;) S1(SYS_exit, 127);
}

static uint64_t clock_ns(int clock) {
  struct timespec ts;
  if (S2(SYS_clock_gettime, clock, &ts) < 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

/* ---------------------------------------------------------------- B: the container init */

/* B's set-up operations, in order (each one: setup-ops.c); the first failure is reported. */
static void do_ops(const struct region *r, int stage) {
  const struct cage_cfg *cfg = r->cfg;
  const struct cage_op *ops = (const struct cage_op *)(r->base + cfg->ops);
  for (uint32_t i = 0; i < cfg->nops; i++) {
    long rc = cage_op_run(r->base, cfg->size, &ops[i]);
    if (rc == -ENOENT && (ops[i].opflags & CAGE_OPF_OPTIONAL)) continue;
    if (rc < 0) die(stage, rc, (int)i);
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

/* Root mode: writes /proc/<pid>/<file> (one write: the kernel takes a map in one). 0 or -errno. */
static long write_proc(long pid, const char *file, const char *text, size_t len) {
  char path[48] = "/proc/";
  size_t k = 6;
  k += put_u32(path + k, (uint32_t)pid);
  path[k++] = '/';
  for (size_t i = 0; file[i] && k < sizeof path - 1; i++) path[k++] = file[i];
  path[k] = 0;
  long fd = S4(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0) return fd;
  long rc = S3(SYS_write, fd, text, len);
  S1(SYS_close, fd);
  return rc < 0 ? rc : (size_t)rc == len ? 0 : -EIO;
}

/* Root mode: the maps of C's user namespace, "256 <host id> 1" each and nothing else (not even
 * root), and setgroups "deny", written by B from the parent (initial) user namespace with its
 * CAP_SETUID/CAP_SETGID there (user_namespaces(7)). 0, or -errno with *which = 1, 2, 3. */
static long map_ids(long c_pid, const struct cage_cfg *cfg, int *which) {
  char line[32];
  size_t n = put_map_line(line, cfg->uid, cfg->outer_uid);
  long rc;
  *which = 1;
  if ((rc = write_proc(c_pid, "uid_map", line, n)) < 0) return rc;
  *which = 2;
  if ((rc = write_proc(c_pid, "setgroups", "deny", 4)) < 0) return rc;
  n = put_map_line(line, cfg->gid, cfg->outer_gid);
  *which = 3;
  return write_proc(c_pid, "gid_map", line, n);
}

/* How many bytes C, a zombie not yet reaped, wrote in its life (at most INT32_MAX), -1 unknown.
 * Its /proc/<pid>/io (readable until it is reaped) counts every byte its threads wrote
 * ("wchar: N"): the worker compares it with the stderr it read, to tell whether an interactor
 * can have decided on anything C said (src/sandbox/run-pair.ts). */
static int32_t c_bytes_written(long c_pid) {
  char path[32] = "/proc/";
  size_t k = 6;
  k += put_u32(path + k, (uint32_t)c_pid);
  const char *io = "/io";
  for (size_t i = 0; io[i]; i++) path[k++] = io[i];
  path[k] = 0;
  long fd = S4(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return -1;
  char buf[256];
  long n = S3(SYS_read, fd, buf, sizeof buf - 1);
  S1(SYS_close, fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  static const char key[] = "wchar: ";
  for (long i = 0; i + 8 < n; i++) {
    size_t j = 0;
    while (key[j] && buf[i + (long)j] == key[j]) j++;
    if (key[j]) continue;
    const char *v = buf + i + (long)j;
    if (v[0] < '0' || v[0] > '9') return -1;
    uint64_t total = 0;
    for (; *v >= '0' && *v <= '9'; v++) {
      total = total * 10 + (uint64_t)(*v - '0');
      if (total > INT32_MAX) return INT32_MAX;
    }
    return (int32_t)total;
  }
  return -1;
}

static int run_init(const struct region *r) {
  const struct cage_cfg *cfg = r->cfg;
  long rc;

  /* 3. Identity of the box: hostname, and no supplementary groups (C inherits B's, and in C's
   *    user namespace setgroups is denied, so this is the only moment to drop the worker's). */
  {
    const char *h = str_at(r, cfg->hostname);
    size_t n = 0;
    while (h[n]) n++;
    if ((rc = S2(SYS_sethostname, h, n)) < 0) die(CAGE_STAGE_HOSTNAME, rc, -1);
  }
  if ((rc = S2(SYS_setgroups, 0, 0)) < 0) die(CAGE_STAGE_SETGROUPS, rc, -1);

  /* 4. Mounts: nothing propagates back to the host; then the worker's plan, in order. */
  if ((rc = S5(SYS_mount, 0, "/", 0, MS_REC | MS_PRIVATE, 0)) < 0) die(CAGE_STAGE_MOUNT_PRIVATE, rc, -1);
  do_ops(r, CAGE_STAGE_OP);

  /* 5. The job's root becomes "/", and the host's root is detached. */
  if ((rc = S1(SYS_chdir, str_at(r, cfg->new_root))) < 0) die(CAGE_STAGE_CHDIR_ROOT, rc, -1);
  if ((rc = S2(SYS_pivot_root, ".", ".")) < 0) die(CAGE_STAGE_PIVOT_ROOT, rc, -1);
  if ((rc = S2(SYS_umount2, ".", MNT_DETACH)) < 0) die(CAGE_STAGE_UMOUNT_OLD, rc, -1);
  if ((rc = S1(SYS_chdir, "/")) < 0) die(CAGE_STAGE_CHDIR_ROOT, rc, -1);

  /* 6. A fresh cgroup namespace, rooted at the box's cgroup (A attached B when it prepared it;
   *    the run's limits were written before 'R'). It belongs to B's user namespace. */
  if (cfg->flags & CAGE_F_CGROUPNS) {
    if ((rc = S1(SYS_unshare, CLONE_NEWCGROUP)) < 0) die(CAGE_STAGE_CGROUPNS, rc, -1);
  }

  /* 7. SIGCHLD through a signalfd, so one poll waits for children and seccomp notices. */
  unsigned long chld = 1UL << (SIGCHLD - 1);
  if ((rc = S4(SYS_rt_sigprocmask, SIG_BLOCK, &chld, 0, 8)) < 0) die(CAGE_STAGE_SIGNALFD, rc, -1);
  long sfd = S4(SYS_signalfd4, -1, &chld, 8, O_CLOEXEC | O_NONBLOCK);
  if (sfd < 0) die(CAGE_STAGE_SIGNALFD, sfd, -1);

  /* 8. C, root mode in a user namespace of its own, which B maps while C waits; then B waits
   *    until C has exec'd or died (the kernel clears c_running then). */
  struct shared *sh = r->shared;
  int own_userns = !(cfg->flags & CAGE_F_USERNS_FIRST);
  sh->c_failed = 0;
  sh->listener_fd = -1;
  sh->maps_written = !own_userns;
  sh->c_running = 1;
  uint64_t t0 = now_ns();
  unsigned long cflags = CLONE_VM | CLONE_FILES | CLONE_CHILD_CLEARTID | (own_userns ? CLONE_NEWUSER : 0) | SIGCHLD;
  long c_pid = clone_on(cflags, r->c_stack_top, child_c, (void *)r, &sh->c_running);
  if (c_pid < 0) die(CAGE_STAGE_FORK, c_pid, -1);
  if (own_userns) {
    int which = 0;
    if ((rc = map_ids(c_pid, cfg, &which)) < 0) {
      report(CAGE_STAGE_USERNS, rc, which);
      kill_and_reap(); /* C, waiting for its maps */
      for (;;) S1(SYS_exit, 127);
    }
    sh->maps_written = 1;
    S4(SYS_futex, &sh->maps_written, FUTEX_WAKE_PRIVATE, 1, 0);
  }
  /* B's set-up is over: its CPU so far is not the program's (A subtracts it, 'S'). */
  uint64_t setup_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  /* The kernel's wake on c_running is a shared futex's: the wait must be one too. */
  for (int32_t v; (v = sh->c_running) != 0;) S4(SYS_futex, &sh->c_running, FUTEX_WAIT, v, 0);
  int listener = sh->listener_fd;
  /* B no longer needs the program's stdio and extra fds: EOF on the pipes then depends on the
   * program alone. */
  S1(SYS_close, 0);
  S1(SYS_close, 1);
  S1(SYS_close, 2);
  if (r->extra_fds) S3(SYS_close_range, 5, 4 + r->extra_fds, 0);
  if (sh->c_failed) {
    kill_and_reap(); /* C already sent its 'E' */
    for (;;) S1(SYS_exit, 127);
  }
  {
    struct cage_msg m;
    msg_init(&m, CAGE_MSG_STARTED);
    m.c_pid = (int32_t)c_pid;
    m.cpu_ns = setup_cpu_ns;
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
    /* C dead but not reaped: what it wrote can still be read (X's detail), for a pair's run. */
    if (x.detail < 0 && (cfg->flags & CAGE_F_REPORT_WRITES)) {
      int32_t info[32] = {0}; /* siginfo_t: si_pid at byte 16 */
      if (S5(SYS_waitid, P_PID, c_pid, info, WEXITED | WNOHANG | WNOWAIT | __WALL, 0) == 0 && info[4] == (int32_t)c_pid)
        x.detail = c_bytes_written(c_pid);
    }
    for (;;) {
      int status = 0;
      long pid = S5(SYS_wait4, -1, &status, WNOHANG | __WALL, 0, 0);
      if (pid <= 0) break;
      if (pid == c_pid) {
        x.status = status;
        x.end_ns = now_ns();
        x.wall_ns = x.end_ns - t0;
        c_done = 1;
      }
    }
  }
  kill_and_reap();
  /* Every process of the box was B's child or reparented to B (PID 1) and is reaped now: the
   * children's rusage is the program's CPU time and peak memory, what a box without a cgroup
   * (rlimits only) is measured by. */
  struct rusage ru;
  if (S2(SYS_getrusage, RUSAGE_CHILDREN, &ru) == 0) {
    x.cpu_ns = ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
               ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
    x.maxrss_kb = (uint64_t)ru.ru_maxrss;
  }
  send_msg(&x);
  for (;;) S1(SYS_exit, 0);
}


/* ---------------------------------------------------------------- entry: _start */

static size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

/* Waits for the run: one message on the control socket carrying stdin, stdout, stderr and
 * the configuration memfd, which land on 0, 1, 2 and 4, then the program's extra fds, which
 * land on 5, 6, …; returns how many of those came. EOF (the worker discarded this container
 * before using it) ends B quietly. */
static uint32_t receive_run(void) {
  struct run_msg m;
  run_msg_init(&m, 0, CAGE_RUN_FDS + CAGE_RUN_EXTRA_MAX);
  long rc;
  do rc = S3(SYS_recvmsg, 3, &m.msg, MSG_CMSG_CLOEXEC);
  while (rc == -EINTR);
  if (rc == 0) for (;;) S1(SYS_exit, 0);
  if (rc < 0) die(CAGE_STAGE_FDS, rc, 0);
  struct cmsghdr *h = CMSG_FIRSTHDR(&m.msg);
  if (rc != 1 || m.byte != CAGE_RUN || (m.msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) || !h || h->cmsg_level != SOL_SOCKET ||
      h->cmsg_type != SCM_RIGHTS || h->cmsg_len < CMSG_LEN(sizeof(int) * CAGE_RUN_FDS) ||
      (h->cmsg_len - CMSG_LEN(0)) % sizeof(int) != 0)
    die(CAGE_STAGE_FDS, -EPROTO, 1);
  /* Checked above: CAGE_RUN_FDS..CAGE_RUN_FDS + CAGE_RUN_EXTRA_MAX whole fds (the buffer holds no more). */
  int n = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
  int got[CAGE_RUN_FDS + CAGE_RUN_EXTRA_MAX];
  memcpy(got, CMSG_DATA(h), sizeof(int) * (size_t)n);
  /* Where each goes: 0, 1, 2, 4, then 5, 6, … (3 is the control socket). */
#define WANT(i) ((i) < 3 ? (i) : (i) + 1)
  /* The kernel hands received fds the lowest free numbers, and 0, 1, 2, 4, 5, … are the free
   * ones (the stub closed 0-2, prepare() closed 4): then only the program's fds lose O_CLOEXEC. */
  int placed = 1;
  for (int i = 0; i < n; i++) placed &= got[i] == WANT(i);
  if (placed) {
    for (int i = 0; i < n; i++)
      if (i != 3 && (rc = S3(SYS_fcntl, got[i], F_SETFD, 0)) < 0) die(CAGE_STAGE_FDS, rc, 3);
    return (uint32_t)(n - CAGE_RUN_FDS);
  }
  /* Move every received fd out of the way first, so that no dup3 overwrites another's source. */
  for (int i = 0; i < n; i++) {
    long t = S3(SYS_fcntl, got[i], F_DUPFD_CLOEXEC, 64);
    if (t < 0) die(CAGE_STAGE_FDS, t, 2);
    S1(SYS_close, got[i]);
    got[i] = (int)t;
  }
  for (int i = 0; i < n; i++) {
    /* Without O_CLOEXEC but the configuration's (4, closed before C execs): the program's fds. */
    if ((rc = S3(SYS_dup3, got[i], WANT(i), i == 3 ? O_CLOEXEC : 0)) < 0) die(CAGE_STAGE_FDS, rc, 3);
    S1(SYS_close, got[i]);
  }
#undef WANT
  return (uint32_t)(n - CAGE_RUN_FDS);
}

/* The preparation: while the container waits for its run, B performs the run-independent
 * ops of the blob on fd 4 (if any): it builds the box's /dev and /proc at staging mount points,
 * which the run's ops move into its root. First B's mounts stop propagating to the host (a
 * slave still receives the host's new mounts: the run's job directory, made later). */
static void prepare(void) {
  long len = S3(SYS_lseek, 4, 0, SEEK_END);
  if (len == -EBADF) return;
  if (len < (long)sizeof(struct cage_cfg)) die(CAGE_STAGE_PREPARE, len < 0 ? len : -EINVAL, 0);
  long at = sys6(SYS_mmap, 0, len, PROT_READ, MAP_PRIVATE, 4, 0);
  if (at < 0 && at > -4096) die(CAGE_STAGE_PREPARE, at, 1);
  S1(SYS_close, 4);
  const struct cage_cfg *in = (const struct cage_cfg *)at;
  if (in->magic != CAGE_MAGIC || in->abi != CAGE_ABI || in->size != (uint64_t)len ||
      (uint64_t)in->ops + (uint64_t)sizeof(struct cage_op) * in->nops > (uint64_t)len || ((const char *)at)[len - 1] != 0)
    die(CAGE_STAGE_PREPARE, -EINVAL, 2);
  long rc = S5(SYS_mount, 0, "/", 0, MS_REC | MS_SLAVE, 0);
  if (rc < 0) die(CAGE_STAGE_PREPARE, rc, 3);
  struct region r;
  volatile char *p = (volatile char *)&r;
  for (size_t i = 0; i < sizeof r; i++) p[i] = 0;
  r.cfg = in;
  r.base = (const char *)at;
  do_ops(&r, CAGE_STAGE_PREPARE_OP);
  S2(SYS_munmap, at, len);
}

/* Prepares, receives the run, maps its blob from fd 4, checks it, builds argv/envp and C's
 * stack, runs B. */
int init_main(void) {
  /* The stub kept every signal blocked through the exec (spawn.c): none is caught any more. */
  unsigned long none = 0;
  S4(SYS_rt_sigprocmask, SIG_SETMASK, &none, 0, 8);
  prepare();
  uint32_t extra_fds = receive_run();
  long len = S3(SYS_lseek, 4, 0, SEEK_END);
  if (len < (long)sizeof(struct cage_cfg)) die(CAGE_STAGE_CONFIG, -EINVAL, 0);
  long at = sys6(SYS_mmap, 0, len, PROT_READ, MAP_PRIVATE, 4, 0);
  if (at < 0 && at > -4096) die(CAGE_STAGE_CONFIG, at, 1);
  S1(SYS_close, 4);
  const uint8_t *blob = (const uint8_t *)at;
  const struct cage_cfg *in = (const struct cage_cfg *)blob;
  if (in->magic != CAGE_MAGIC || in->abi != CAGE_ABI || in->size != (uint64_t)len || in->argc == 0 ||
      (uint64_t)in->argv + 4ull * in->argc > (uint64_t)len || (uint64_t)in->envp + 4ull * in->envc > (uint64_t)len ||
      (uint64_t)in->ops + (uint64_t)sizeof(struct cage_op) * in->nops > (uint64_t)len ||
      (uint64_t)in->rlimits + (uint64_t)sizeof(struct cage_rlimit) * in->nrlimits > (uint64_t)len ||
      (uint64_t)in->filter + 8ull * in->nfilter > (uint64_t)len || in->filter % 8 != 0 || in->nfilter > 4096 ||
      blob[len - 1] != 0)
    die(CAGE_STAGE_CONFIG, -EINVAL, 2);

  size_t argv_at = round_up(sizeof(struct shared), 64);
  size_t envp_at = argv_at + sizeof(char *) * (in->argc + 1);
  size_t stack_at = round_up(envp_at + sizeof(char *) * (in->envc + 1), PAGE) + PAGE; /* + guard */
  size_t total = stack_at + STACK_BYTES;
  long mem = sys6(SYS_mmap, 0, (long)total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem < 0 && mem > -4096) die(CAGE_STAGE_CONFIG, mem, 3);
  char *m = (char *)mem;
  S3(SYS_mprotect, m + stack_at - PAGE, PAGE, PROT_NONE);

  struct region r;
  r.shared = (struct shared *)m;
  r.base = (const char *)blob;
  r.cfg = in;
  const uint32_t *av = (const uint32_t *)(r.base + in->argv);
  const uint32_t *ev = (const uint32_t *)(r.base + in->envp);
  char **argv = (char **)(m + argv_at);
  char **envp = (char **)(m + envp_at);
  for (uint32_t i = 0; i < in->argc; i++) {
    if (av[i] == 0 || av[i] >= (uint64_t)len) die(CAGE_STAGE_CONFIG, -EINVAL, 4);
    argv[i] = (char *)r.base + av[i];
  }
  argv[in->argc] = 0;
  for (uint32_t i = 0; i < in->envc; i++) {
    if (ev[i] == 0 || ev[i] >= (uint64_t)len) die(CAGE_STAGE_CONFIG, -EINVAL, 5);
    envp[i] = (char *)r.base + ev[i];
  }
  envp[in->envc] = 0;
  r.argv = argv;
  r.envp = envp;
  r.c_stack_top = m + total;
  r.extra_fds = extra_fds;
  return run_init(&r);
}

#if defined(__x86_64__)
__asm__(".text\n.global _start\n_start:\n\txor %ebp, %ebp\n\tand $-16, %rsp\n\tcall init_main\n"
        "\tmov %eax, %edi\n\tmov $60, %eax\n\tsyscall\n\thlt\n");
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n_start:\n\tmov x29, xzr\n\tmov x30, xzr\n\tmov x0, sp\n\tand x0, x0, #-16\n"
        "\tmov sp, x0\n\tbl init_main\n\tmov x8, #93\n\tsvc #0\n");
#endif

/* gcc may emit calls to these for struct copies; there is no libc here. */
void *memset(void *d, int c, size_t n) {
  volatile unsigned char *p = d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}
void *memcpy(void *d, const void *s, size_t n) {
  volatile unsigned char *p = d;
  const unsigned char *q = s;
  while (n--) *p++ = *q++;
  return d;
}
