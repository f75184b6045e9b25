/*
 * bench/floor: the kernel's floor for one caged run. Does exactly the kernel work of one run,
 * with nothing else: no Node, no protocol, no second process inside the box.
 *
 *   per run:  cgroup v1 memory + pids + cpuacct leaves made, limited, attached, read, removed
 *             (or a cgroup v2 leaf with memory.max and pids.max)
 *             clone into new pid, mount, net, uts and ipc namespaces
 *             mount / private; a size-capped tmpfs scratch; overlay of the image (lower) with
 *             upper and work dirs on the scratch; /box bound from the host (no-op inside);
 *             a /dev tmpfs; /proc; pivot_root and detach the old root
 *             unshare a user namespace; the parent writes uid_map, setgroups, gid_map
 *             (256 inside = a host uid of the box's own)
 *             setresgid/setresuid 256, no_new_privs, a seccomp filter (arch check + 40 denied
 *             calls), execve of a static no-op; the parent waits (wait4, rusage)
 *
 *   floor LOWER[:LOWER…] BOX_DIR RUNS [WORK_DIR]   (root; the image's layers top first, as caged
 *                                                  stacks them; BOX_DIR holds the static no-op `noop`)
 *
 * With --init, the bound of any redesign of caged's worker side: caged's own container (B and C,
 * build/caged-init, started by native/spawn.c's cage_spawn as the worker starts it, with the
 * preparation and configuration blobs the worker builds for the same run) driven by the least
 * a process A can do, in C: the same cgroup work as the floor, a control socket, the run's four
 * fds (an empty stdin memfd, stdout and stderr pipes, the configuration memfd) in one message,
 * B's reports read until its 'X', B reaped. What caged spends beyond it is its worker's (Node,
 * libuv, koffi, the promise chain); what it spends beyond the floor is the container's own work
 * (its /dev and /proc masks, the program's user namespace and supervision by B).
 *
 *   floor --init INIT PREP_BLOB CONFIG_BLOB RUNS
 *
 * Prints one line per run, "run <ms>", then "cpu <machine CPU ms per run>" read from
 * /proc/stat around the whole batch (every core's non-idle time, so kernel threads count), and
 * "owncpu <ms per run>": this process's and its reaped children's CPU (getrusage), which other
 * load on the machine does not inflate (kernel threads' work, such as a network namespace's
 * cleanup, is not in it).
 * bench/floor.ts compiles and drives it; bench/launch interleaves it with caged's variants.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cage.h" /* --init: cage_spawn, cage_send_fds and the messages, the worker's own (native/spawn.c) */

#define HOST_UID 1999000 /* the box's own host uid, as caged leases one per box */

static const char *image, *boxdir, *work;
static char root[512], scratch[512];
static int v2;
/* --init: caged-init's path and the blobs the worker would hand it. */
static const char *init_path;
static char *prep_blob, *config_blob;
static size_t prep_len, config_len;

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void put(const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t)strlen(value)) die(path);
  close(fd);
}

static long long get(const char *path) {
  char buf[64] = {0};
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || read(fd, buf, sizeof buf - 1) < 0) die(path);
  close(fd);
  return atoll(buf);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Every core's non-idle jiffies (user nice system irq softirq steal). */
static long long busy_jiffies(void) {
  long long v[8] = {0};
  FILE *f = fopen("/proc/stat", "r");
  if (!f || fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
    die("/proc/stat");
  fclose(f);
  return v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

static double rusage_ms(int who) {
  struct rusage ru;
  if (getrusage(who, &ru)) die("getrusage");
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int to_parent[2], to_child[2];

static int child(void *arg) {
  (void)arg;
  char c, path[600];
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) die("make / private");
  if (sethostname("caged", 5)) die("sethostname");
  if (mount("caged", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "size=8388608,mode=0755")) die("scratch tmpfs");
  if (chdir(scratch)) die("chdir scratch");
  if (mkdir("up", 0755) || mkdir("work", 0755)) die("mkdir layers");
  /* The image's layers, top first, each by a symlink in the scratch (as caged names them). */
  char lower[4096] = "lowerdir=", layer[4096], name[16];
  snprintf(layer, sizeof layer, "%s", image);
  int n = 0;
  for (char *save = NULL, *dir = strtok_r(layer, ":", &save); dir; dir = strtok_r(NULL, ":", &save), n++) {
    snprintf(name, sizeof name, "low%d", n);
    if (symlink(dir, name)) die("symlink lower");
    if (n) strncat(lower, ":", sizeof lower - strlen(lower) - 1);
    strncat(lower, name, sizeof lower - strlen(lower) - 1);
  }
  strncat(lower, ",upperdir=up,workdir=work", sizeof lower - strlen(lower) - 1);
  if (mount("overlay", root, "overlay", MS_NOSUID | MS_NODEV, lower)) die("overlay");
  snprintf(path, sizeof path, "%s/box", root);
  if (mount(boxdir, path, NULL, MS_BIND, NULL)) die("bind /box");
  snprintf(path, sizeof path, "%s/dev", root);
  if (mount("caged", path, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=65536,mode=0755")) die("/dev tmpfs");
  snprintf(path, sizeof path, "%s/proc", root);
  if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) die("/proc");
  if (chdir(root)) die("chdir root");
  if (syscall(SYS_pivot_root, ".", ".")) die("pivot_root");
  if (umount2(".", MNT_DETACH)) die("detach old root");
  if (chdir("/box")) die("chdir /box");
  if (unshare(CLONE_NEWUSER)) die("unshare user");
  if (write(to_parent[1], "U", 1) != 1) die("tell parent");
  if (read(to_child[0], &c, 1) != 1) die("wait for maps");
  if (setresgid(256, 256, 256) || setresuid(256, 256, 256)) die("setres[ug]id");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) die("no_new_privs");
  /* arch check, then 40 denied calls (EPERM), allow the rest: the shape of a deny-list filter. */
  static const int denied[] = {
      SYS_mount,      SYS_umount2,       SYS_pivot_root,    SYS_chroot,        SYS_unshare,   SYS_setns,        SYS_kexec_load,
      SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_reboot,        SYS_swapon,    SYS_swapoff,      SYS_acct,
      SYS_bpf,        SYS_perf_event_open, SYS_ptrace,      SYS_process_vm_readv, SYS_process_vm_writev, SYS_keyctl, SYS_add_key,
      SYS_request_key, SYS_userfaultfd,  SYS_open_by_handle_at, SYS_name_to_handle_at, SYS_fanotify_init, SYS_quotactl, SYS_syslog,
      SYS_settimeofday, SYS_clock_settime, SYS_adjtimex,    SYS_sethostname,   SYS_setdomainname, SYS_iopl,     SYS_ioperm,
      SYS_io_setup,   SYS_inotify_init1, SYS_lookup_dcookie, SYS_vhangup,      SYS_nfsservctl};
  enum { N = sizeof denied / sizeof denied[0] };
  struct sock_filter prog[4 + 2 * N + 1];
  int k = 0;
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (int i = 0; i < N; i++) {
    prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)denied[i], 0, 1);
    prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
  }
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog fprog = {.len = (unsigned short)k, .filter = prog};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog)) die("seccomp");
  char *argv[] = {"/box/noop", NULL}, *envp[] = {NULL};
  execve(argv[0], argv, envp);
  die("execve");
  return 1;
}

static const char *V1[] = {"memory", "pids", "cpuacct"};

static void cgroup_dirs(int run, char dirs[3][256]) {
  for (int i = 0; i < 3; i++) {
    if (v2)
      snprintf(dirs[i], 256, "/sys/fs/cgroup/caged/floor-%d-%d", getpid(), run);
    else
      snprintf(dirs[i], 256, "/sys/fs/cgroup/%s/caged/floor-%d-%d", V1[i], getpid(), run);
  }
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) die(path);
  static char buf[1 << 20];
  *len = fread(buf, 1, sizeof buf, f);
  if (ferror(f) || *len == sizeof buf) fprintf(stderr, "%s: unreadable or over %zu bytes\n", path, sizeof buf), exit(1);
  fclose(f);
  char *copy = malloc(*len ? *len : 1);
  if (!copy) die("malloc");
  memcpy(copy, buf, *len);
  return copy;
}

/* A sealed memfd holding `data`, as the worker hands B its blobs and the program its stdin. */
static int sealed_memfd(const char *data, size_t len) {
  int fd = memfd_create("caged-bound", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) die("memfd_create");
  if (len && write(fd, data, len) != (ssize_t)len) die("memfd write");
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)) die("memfd seals");
  return fd;
}

/* caged's container for one run (--init): B cloned by cage_spawn with its preparation, attached
 * to the run's cgroups, handed its run; its reports read until 'X'; B reaped. */
static void caged_run(int run, char dirs[3][256], int n) {
  char file[1024], line[64];
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) die("socketpair");
  int prep = sealed_memfd(prep_blob, prep_len);
  int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP;
  int pid = cage_spawn(init_path, sv[1], prep, (uint32_t)flags, -1);
  if (pid < 0) errno = -pid, die("cage_spawn");
  close(sv[1]), close(prep);
  snprintf(line, sizeof line, "%d", pid);
  for (int i = 0; i < n; i++) snprintf(file, sizeof file, "%s/cgroup.procs", dirs[i]), put(file, line);
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) die("pipe");
  int fds[4] = {sealed_memfd("", 0), out[1], err[1], sealed_memfd(config_blob, config_len)};
  int rc = cage_send_fds(sv[0], fds, 4);
  if (rc) errno = -rc, die("cage_send_fds");
  for (int i = 0; i < 4; i++) close(fds[i]);
  struct cage_msg m;
  for (;;) {
    size_t got = 0;
    while (got < sizeof m) {
      ssize_t r = read(sv[0], (char *)&m + got, sizeof m - got);
      if (r <= 0) fprintf(stderr, "run %d: B ended without reporting the program's end\n", run), exit(1);
      got += (size_t)r;
    }
    if (m.type == CAGE_MSG_EXIT) break;
    if (m.type == CAGE_MSG_ERROR) fprintf(stderr, "run %d: B failed at stage %d, errno %d\n", run, m.stage, m.err), exit(1);
  }
  if (m.status != 0) fprintf(stderr, "run %d: the no-op ended with status 0x%x\n", run, m.status), exit(1);
  int status;
  if (waitpid(pid, &status, 0) != pid) die("waitpid B");
  close(sv[0]), close(out[0]), close(err[0]);
}

static void read_and_remove(char dirs[3][256], int n);

static void one_run(int run) {
  char dirs[3][256], file[1024], line[64];
  cgroup_dirs(run, dirs);
  int n = v2 ? 1 : 3;
  for (int i = 0; i < n; i++)
    if (mkdir(dirs[i], 0755)) die(dirs[i]);
  if (v2) {
    snprintf(file, sizeof file, "%s/memory.max", dirs[0]), put(file, "67108864");
    snprintf(file, sizeof file, "%s/pids.max", dirs[0]), put(file, "8");
  } else {
    snprintf(file, sizeof file, "%s/memory.limit_in_bytes", dirs[0]), put(file, "67108864");
    snprintf(file, sizeof file, "%s/pids.max", dirs[1]), put(file, "8");
  }
  if (init_path) {
    caged_run(run, dirs, n);
    read_and_remove(dirs, n);
    return;
  }
  if (pipe2(to_parent, O_CLOEXEC) || pipe2(to_child, O_CLOEXEC)) die("pipe");
  static char stack[1 << 16] __attribute__((aligned(16)));
  int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
  pid_t pid = clone(child, stack + sizeof stack, flags, NULL);
  if (pid < 0) die("clone");
  snprintf(line, sizeof line, "%d", pid);
  for (int i = 0; i < n; i++) snprintf(file, sizeof file, "%s/cgroup.procs", dirs[i]), put(file, line);
  close(to_parent[1]), close(to_child[0]); /* a child that dies early then reads as EOF here */
  char c;
  if (read(to_parent[0], &c, 1) != 1) {
    int status;
    waitpid(pid, &status, 0);
    fprintf(stderr, "run %d: the child failed its set-up (status 0x%x)\n", run, status);
    exit(1);
  }
  snprintf(file, sizeof file, "/proc/%d/uid_map", pid), snprintf(line, sizeof line, "256 %d 1\n", HOST_UID), put(file, line);
  snprintf(file, sizeof file, "/proc/%d/setgroups", pid), put(file, "deny");
  snprintf(file, sizeof file, "/proc/%d/gid_map", pid), put(file, line);
  if (write(to_child[1], "G", 1) != 1) die("go");
  close(to_parent[0]), close(to_child[1]);
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) != pid) die("wait4");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "run %d: the no-op ended with status 0x%x\n", run, status);
    exit(1);
  }
  read_and_remove(dirs, n);
}

/* The run's counters read (peak memory, CPU), its cgroups removed. */
static void read_and_remove(char dirs[3][256], int n) {
  char file[1024];
  if (v2) {
    snprintf(file, sizeof file, "%s/memory.peak", dirs[0]);
    if (access(file, R_OK) == 0) (void)get(file);
    snprintf(file, sizeof file, "%s/cpu.stat", dirs[0]);
    (void)get(file);
  } else {
    snprintf(file, sizeof file, "%s/memory.max_usage_in_bytes", dirs[0]), (void)get(file);
    snprintf(file, sizeof file, "%s/cpuacct.usage", dirs[2]), (void)get(file);
  }
  for (int i = 0; i < n; i++)
    if (rmdir(dirs[i])) die(dirs[i]);
}

int main(int argc, char **argv) {
  int runs;
  if (argc == 6 && strcmp(argv[1], "--init") == 0) {
    init_path = argv[2], prep_blob = slurp(argv[3], &prep_len), config_blob = slurp(argv[4], &config_len);
    runs = atoi(argv[5]);
  } else if (argc >= 4) {
    image = argv[1], boxdir = argv[2], work = argc > 4 ? argv[4] : "/run/caged-floor";
    runs = atoi(argv[3]);
  } else {
    fprintf(stderr, "usage: floor LOWER[:LOWER...] BOX_DIR RUNS [WORK_DIR] | floor --init INIT PREP_BLOB CONFIG_BLOB RUNS\n");
    return 2;
  }
  struct stat st;
  v2 = stat("/sys/fs/cgroup/memory", &st) != 0;
  if (!init_path) {
    snprintf(root, sizeof root, "%s/root", work);
    snprintf(scratch, sizeof scratch, "%s/scratch", work);
    mkdir(work, 0755), mkdir(root, 0755), mkdir(scratch, 0755);
  }
  if (v2) {
    mkdir("/sys/fs/cgroup/caged", 0755);
  } else {
    char dir[128];
    for (int i = 0; i < 3; i++) snprintf(dir, sizeof dir, "/sys/fs/cgroup/%s/caged", V1[i]), mkdir(dir, 0755);
  }
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  double own0 = rusage_ms(RUSAGE_SELF) + rusage_ms(RUSAGE_CHILDREN);
  long long busy0 = busy_jiffies();
  double ms[runs > 0 ? runs : 1];
  for (int i = 0; i < runs; i++) {
    double t = now_ms();
    one_run(i);
    ms[i] = now_ms() - t;
  }
  long long busy1 = busy_jiffies();
  double own1 = rusage_ms(RUSAGE_SELF) + rusage_ms(RUSAGE_CHILDREN);
  for (int i = 0; i < runs; i++) printf("run %.4f\n", ms[i]);
  printf("cpu %.4f\n", runs > 0 ? (double)(busy1 - busy0) * 1000.0 / sysconf(_SC_CLK_TCK) / runs : 0.0);
  printf("owncpu %.4f\n", runs > 0 ? (own1 - own0) / runs : 0.0);
  return 0;
}
