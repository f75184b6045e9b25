/* Tries the system call named by argv[1]; prints what the kernel answered if it survives. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "ptrace";
  long rc = -1;
  if (!strcmp(what, "ptrace")) rc = ptrace(PTRACE_TRACEME, 0, 0, 0);
  else if (!strcmp(what, "unshare")) rc = unshare(CLONE_NEWUSER);
  else if (!strcmp(what, "mount")) rc = mount("none", "/tmp", "tmpfs", 0, 0);
  else if (!strcmp(what, "keyctl")) rc = syscall(SYS_keyctl, 0, 0, 0, 0, 0);
  else if (!strcmp(what, "bpf")) rc = syscall(SYS_bpf, 0, 0, 0);
  else if (!strcmp(what, "clone-newnet")) rc = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
  printf("%s returned %ld errno %s\n", what, rc, strerror(errno));
  return 0;
}
