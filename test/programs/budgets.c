/*
 * Host-wide kernel budgets, sync and shared caches, for test/sandbox-budgets.test.ts. Built both
 * in the box (the image's gcc) and on the host (the host's gcc, for the "host root still can"
 * probes). `budgets MODE [ARGS]`:
 *   aio-hog | inotify-hog | sig-hog TAG   take the budget until the kernel refuses, print
 *                                         "<count> <errno>", create ./ready-TAG, hold until ./stop-TAG
 *   aio | inotify | sig                   take one unit; exit 0 if it worked, else print the errno
 *   sync MS                               sync() and syncfs() on / and /dev for MS milliseconds
 *   fsync MS PATH...                      fsync() and fdatasync() on each PATH for MS milliseconds
 *   drop PATH                             fadvise(DONTNEED) and madvise(COLD, PAGEOUT) over PATH
 *   resident PATH                         print "<resident pages> <pages>" of PATH (mincore)
 *   uevent                                print the results of the uevent and route netlink sockets
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static long ms_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int aio_one(unsigned n) {
  aio_context_t ctx = 0;
  return syscall(SYS_io_setup, n, &ctx) == 0 ? 0 : -1;
}

static int sig_one(void) {
  union sigval v = {.sival_int = 1};
  return sigqueue(getpid(), SIGRTMIN, v);
}

static void block_rt(void) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGRTMIN);
  sigprocmask(SIG_BLOCK, &s, 0);
}

/* Signals readiness through a file and holds what it took until the test says stop (max 15 s). */
static int hold(const char *tag, long count, int err) {
  char name[64];
  printf("%ld %d\n", count, err);
  fflush(stdout);
  snprintf(name, sizeof name, "ready-%s", tag);
  close(open(name, O_CREAT | O_WRONLY, 0644));
  snprintf(name, sizeof name, "stop-%s", tag);
  for (long end = ms_now() + 15000; ms_now() < end && access(name, F_OK) != 0;) usleep(10000);
  return 0;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "aio-hog") || !strcmp(mode, "inotify-hog") || !strcmp(mode, "sig-hog")) {
    long n = 0;
    if (mode[0] == 'a') {
      while (aio_one(256) == 0) n++;
      while (aio_one(1) == 0) n++;
    } else if (mode[0] == 'i') {
      while (inotify_init1(IN_CLOEXEC) >= 0) n++;
    } else {
      block_rt();
      while (sig_one() == 0) n++;
    }
    return hold(argc > 2 ? argv[2] : mode, n, errno);
  }
  if (!strcmp(mode, "aio") || !strcmp(mode, "inotify") || !strcmp(mode, "sig")) {
    int r;
    if (mode[0] == 'a') r = aio_one(1);
    else if (mode[0] == 'i') r = inotify_init1(IN_CLOEXEC) >= 0 ? 0 : -1;
    else { block_rt(); r = sig_one(); }
    if (r == 0) return 0;
    printf("%s: %s\n", mode, strerrorname_np(errno));
    return 1;
  }
  if (!strcmp(mode, "sync") && argc > 2) {
    long end = ms_now() + atol(argv[2]), n = 0, fails = 0;
    int root = open("/", O_RDONLY | O_DIRECTORY), dev = open("/dev", O_RDONLY | O_DIRECTORY);
    while (ms_now() < end) {
      sync();
      fails += syncfs(root) != 0;
      fails += syncfs(dev) != 0;
      n++;
    }
    printf("%ld %ld\n", n, fails);
    return 0;
  }
  if (!strcmp(mode, "fsync") && argc > 3) {
    long end = ms_now() + atol(argv[2]), n = 0, fails = 0;
    int fds[8], nfd = 0;
    for (int i = 3; i < argc && nfd < 8; i++) fds[nfd++] = open(argv[i], O_RDONLY);
    while (ms_now() < end) {
      for (int i = 0; i < nfd; i++) {
        fails += fsync(fds[i]) != 0;
        fails += fdatasync(fds[i]) != 0;
      }
      n++;
    }
    printf("%ld %ld\n", n, fails);
    return 0;
  }
  if (!strcmp(mode, "drop") && argc > 2) {
    int fd = open(argv[2], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) { perror(argv[2]); return 2; }
    char *p = mmap(0, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 2; }
    volatile char sum = 0;
    for (off_t o = 0; o < st.st_size; o += 4096) sum += p[o];
    int cold = madvise(p, st.st_size, MADV_COLD) == 0 ? 0 : errno;
    int pageout = madvise(p, st.st_size, MADV_PAGEOUT) == 0 ? 0 : errno;
    munmap(p, st.st_size);
    int dontneed = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    /* MADV_DONTNEED on private memory is what malloc does all the time: it must work. */
    char *q = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(q, 1, 1 << 20);
    int anon = madvise(q, 1 << 20, MADV_DONTNEED) == 0 && q[0] == 0 ? 0 : -1;
    printf("cold=%d pageout=%d dontneed=%d anon=%d\n", cold, pageout, dontneed, anon);
    return 0;
  }
  if (!strcmp(mode, "resident") && argc > 2) {
    int fd = open(argv[2], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) { perror(argv[2]); return 2; }
    long pages = (st.st_size + 4095) / 4096, in = 0;
    void *p = mmap(0, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    unsigned char *vec = malloc(pages);
    if (p == MAP_FAILED || mincore(p, st.st_size, vec) != 0) { perror("mincore"); return 2; }
    for (long i = 0; i < pages; i++) in += vec[i] & 1;
    printf("%ld %ld\n", in, pages);
    return 0;
  }
  if (!strcmp(mode, "uevent")) {
    int ue = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, 15 /* NETLINK_KOBJECT_UEVENT */);
    int ue_err = ue < 0 ? errno : 0;
    int rt = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0 /* NETLINK_ROUTE */);
    int rt_err = rt < 0 ? errno : 0;
    printf("uevent=%s route=%s\n", ue < 0 ? strerrorname_np(ue_err) : "ok", rt < 0 ? strerrorname_np(rt_err) : "ok");
    return 0;
  }
  fprintf(stderr, "usage: budgets MODE [ARGS]\n");
  return 2;
}
