/*
 * setup-ops.c: B's set-up operations (cage.h's CAGE_OP_*), one at a time: the mounts,
 * directories, files, links, devices and ownership that A planned (src/sandbox/mount-plan.ts)
 * and sent in a blob. Compiled into caged-init with cage.c, under its rules (cage.c's header):
 * raw system calls only, no libc, no allocation.
 */
#define _GNU_SOURCE
#include "setup-ops.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "sys.h"

static inline const char *str_at(const char *base, uint32_t off) {
  return off ? base + off : (const char *)0;
}

/* File dst (created or emptied; mode, then chmod: the umask is the worker's) holding len
 * bytes of text. */
static long write_file(const char *dst, uint32_t mode, const char *text, uint32_t len) {
  long fd = S4(SYS_openat, AT_FDCWD, dst, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
  if (fd < 0) return fd;
  long rc = S2(SYS_fchmod, fd, mode & 07777);
  while (rc >= 0 && len > 0) {
    rc = S3(SYS_write, fd, text, len);
    if (rc == -EINTR) { rc = 0; continue; }
    if (rc == 0) rc = -EIO;
    if (rc > 0) { text += rc; len -= (uint32_t)rc; }
  }
  S1(SYS_close, fd);
  return rc < 0 ? rc : 0;
}

long cage_op_run(const char *base, uint32_t size, const struct cage_op *op) {
  const char *dst = str_at(base, op->dst);
  long rc;
  switch (op->kind) {
  case CAGE_OP_MOUNT:
    rc = S5(SYS_mount, str_at(base, op->src), dst, str_at(base, op->fstype), op->flags, str_at(base, op->data));
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
    rc = S3(SYS_symlinkat, str_at(base, op->src), AT_FDCWD, dst);
    if (rc == -EEXIST) rc = 0;
    break;
  case CAGE_OP_CHOWN:
    rc = S5(SYS_fchownat, AT_FDCWD, dst, op->mode, op->arg, AT_SYMLINK_NOFOLLOW);
    break;
  case CAGE_OP_MKNOD:
    /* mknod honours the umask (inherited from the worker); the chmod sets the exact mode. */
    rc = S4(SYS_mknodat, AT_FDCWD, dst, S_IFCHR | (op->mode & 07777), op->arg);
    if (rc >= 0) rc = S3(SYS_fchmodat, AT_FDCWD, dst, op->mode & 07777);
    break;
  case CAGE_OP_WRITE:
    rc = (uint64_t)op->data + op->arg >= size ? -EINVAL : write_file(dst, op->mode, str_at(base, op->data), op->arg);
    break;
  case CAGE_OP_CHDIR:
    rc = S1(SYS_chdir, dst);
    break;
  default:
    rc = -EINVAL;
  }
  return rc;
}
