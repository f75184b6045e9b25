/*
 * program.c: C, the untrusted program, from B's clone to its execve: its user namespace's maps
 * (waited for, root mode; written by itself, rootless), capabilities, ids, rlimits, cwd,
 * no_new_privs, the seccomp filter, a private fd table, exec. Compiled into caged-init with
 * cage.c, under the rules for C in cage.c's header (raw system calls only; C runs in B's memory
 * and writes nothing of B's but `struct shared`).
 */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "sys.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

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

/* C failed before execve: tell B (which waits for C's execve or death) not to report a start, then die. */
__attribute__((noreturn)) static void c_die(struct shared *sh, int stage, long err, int detail) {
  sh->c_failed = 1;
  die(stage, err, detail);
}

/* Writes "inside outside 1\n" (or the text `fixed`) to /proc/self/<file>; 0 or -errno. */
static long write_self(const char *file, const char *fixed, uint32_t inside, uint32_t outside) {
  char path[32] = "/proc/self/";
  size_t k = 11;
  for (size_t i = 0; file[i] && k < sizeof path - 1; i++) path[k++] = file[i];
  path[k] = 0;
  char text[48];
  size_t n = 0;
  if (fixed) {
    for (; fixed[n]; n++) text[n] = fixed[n];
  } else {
    n = put_map_line(text, inside, outside);
  }
  long fd = S4(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC, 0);
  if (fd < 0) return fd;
  long rc = S3(SYS_write, fd, text, n);
  S1(SYS_close, fd);
  return rc < 0 ? rc : (size_t)rc == n ? 0 : -EIO;
}

/* Rootless: C takes its own ids in B's user namespace (the worker's: a subordinate uid there,
 * so its capabilities go), then enters a user namespace of its own where uid/gid are the same
 * ids (mapped by C itself, allowed for one's own ids): inside, it is 256 and nothing else is
 * mapped. The box's mounts stay in B's mount namespace, which belongs to the worker's user
 * namespace, an ancestor of C's: no capability C could hold in its own (or any it makes)
 * reaches them, as in root mode, and a mount namespace it makes itself is a locked copy. Its
 * /proc files belong to it while dumpable (its memory is B's until execve: the flag is reset). */
static void nest_user_namespace(struct shared *sh, const struct cage_cfg *cfg) {
  long rc;
  if ((rc = S3(SYS_setresgid, cfg->outer_gid, cfg->outer_gid, cfg->outer_gid)) < 0) c_die(sh, CAGE_STAGE_PROGRAM_USERNS, rc, 1);
  if ((rc = S3(SYS_setresuid, cfg->outer_uid, cfg->outer_uid, cfg->outer_uid)) < 0) c_die(sh, CAGE_STAGE_PROGRAM_USERNS, rc, 2);
  if ((rc = S2(SYS_prctl, PR_SET_DUMPABLE, 1)) < 0) c_die(sh, CAGE_STAGE_PROGRAM_USERNS, rc, 3);
  if ((rc = S1(SYS_unshare, CLONE_NEWUSER)) < 0) c_die(sh, CAGE_STAGE_PROGRAM_USERNS, rc, 4);
  if ((rc = write_self("uid_map", 0, cfg->uid, cfg->outer_uid)) < 0) c_die(sh, CAGE_STAGE_PROGRAM_USERNS, rc, 5);
  if ((rc = write_self("setgroups", "deny", 0, 0)) < 0) c_die(sh, CAGE_STAGE_PROGRAM_USERNS, rc, 6);
  if ((rc = write_self("gid_map", 0, cfg->gid, cfg->outer_gid)) < 0) c_die(sh, CAGE_STAGE_PROGRAM_USERNS, rc, 7);
  if ((rc = S2(SYS_prctl, PR_SET_DUMPABLE, 0)) < 0) c_die(sh, CAGE_STAGE_PROGRAM_USERNS, rc, 8);
}

int child_c(void *arg) {
  const struct region *r = arg;
  const struct cage_cfg *cfg = r->cfg;
  struct shared *sh = r->shared;
  unsigned long empty = 0;
  long rc;

  if ((rc = S4(SYS_rt_sigprocmask, SIG_SETMASK, &empty, 0, sizeof empty)) < 0) goto signals;
  if (cfg->flags & CAGE_F_USERNS_FIRST) {
    nest_user_namespace(sh, cfg);
  } else {
    /* Root mode: cloned into a new user namespace, where nothing is mapped until B, root of the
     * initial one, has written the maps (or killed us when it could not). */
    while (!sh->maps_written) S4(SYS_futex, &sh->maps_written, FUTEX_WAIT_PRIVATE, 0, 0);
  }

  /* Capabilities: empty the bounding and ambient sets while we still may, then change ids,
   * then clear what is left. uid 0 is not mapped in the namespace, so the kernel's own
   * "dropping root clears capabilities" rule does not apply: we clear them ourselves. */
  /* Capabilities are numbered 0..CAP_LAST_CAP without gaps: the first EINVAL is past the last. */
  for (int cap = 0; cap <= 63; cap++) {
    rc = S2(SYS_prctl, PR_CAPBSET_DROP, cap);
    if (rc == -EINVAL && cap > 0) break;
    if (rc < 0) goto caps;
  }
  rc = S5(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (rc < 0 && rc != -EINVAL) goto caps;
  if ((rc = S3(SYS_setresgid, cfg->gid, cfg->gid, cfg->gid)) < 0) c_die(sh, CAGE_STAGE_SETGID, rc, -1);
  if ((rc = S3(SYS_setresuid, cfg->uid, cfg->uid, cfg->uid)) < 0) c_die(sh, CAGE_STAGE_SETUID, rc, -1);
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
    if ((rc = S4(SYS_prlimit64, 0, rl[i].resource, lim, 0)) < 0) c_die(sh, CAGE_STAGE_RLIMIT, rc, (int)i);
  }

  if ((rc = S1(SYS_chdir, str_at(r, cfg->cwd))) < 0) c_die(sh, CAGE_STAGE_CHDIR_CWD, rc, -1);
  if ((rc = S5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) < 0) c_die(sh, CAGE_STAGE_NO_NEW_PRIVS, rc, -1);

  /* Once the filter is in, only allowed calls may follow: a notified one would wait for B,
   * and B waits for our execve. close_range, fcntl, execve, write and exit are allowed. */
  if (cfg->nfilter > 0) {
    struct sock_fprog prog = {(unsigned short)cfg->nfilter,
                              (struct sock_filter *)(r->base + cfg->filter)};
    unsigned long flags = (cfg->flags & CAGE_F_SECCOMP_LISTENER) ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
    rc = S3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (rc < 0) c_die(sh, CAGE_STAGE_SECCOMP, rc, -1);
    if (flags) sh->listener_fd = (int32_t)rc;
  }

  /* A private fd table: only 0, 1, 2, the control socket (close-on-exec) and the extra fds on
   * 5 .. 4 + extra_fds remain (B's own fds, the listener among them, are on 4 and above those). */
  if ((rc = S3(SYS_close_range, 4, 4, CLOSE_RANGE_UNSHARE)) < 0) c_die(sh, CAGE_STAGE_CLOSE_FDS, rc, -1);
  if ((rc = S3(SYS_close_range, 5 + r->extra_fds, ~0U, 0)) < 0) c_die(sh, CAGE_STAGE_CLOSE_FDS, rc, -1);
  if ((rc = S3(SYS_fcntl, 3, F_SETFD, FD_CLOEXEC)) < 0) c_die(sh, CAGE_STAGE_CLOSE_FDS, rc, -1);

  rc = exec_search(str_at(r, cfg->path), r->argv, r->envp);
  c_die(sh, CAGE_STAGE_EXEC, rc, -1);
signals:
  c_die(sh, CAGE_STAGE_SIGNALS, rc, -1);
caps:
  c_die(sh, CAGE_STAGE_CAPS, rc, -1);
}
