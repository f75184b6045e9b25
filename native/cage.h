/*
 * cage.h: the one protocol between the worker (process A, TypeScript) and the native
 * container processes (B, the container init, and C, the untrusted program).
 *
 * src/sandbox/protocol.ts mirrors every constant and layout here; test/protocol.test.ts
 * parses this header and fails when the two disagree.
 *
 * A builds a flat, little-endian configuration blob (struct cage_cfg followed by strings and
 * arrays, all referenced by byte offsets from the start of the blob) and seals it in a memfd.
 * caged-init (B) is started before its run with the control socket on fd 3 and, on fd 4, a
 * preparation blob of the same format (only its ops are used): the run-independent mounts
 * (the box's /dev and /proc), which B builds while it waits, off the run's critical path. Then
 * it receives on fd 3 one message: the byte CAGE_RUN with CAGE_RUN_FDS fds (stdin, stdout,
 * stderr, the run's blob's memfd), placed on 0, 1, 2 and 4, then up to CAGE_RUN_EXTRA_MAX
 * more, which the program inherits on 5, 6, … (a CMS manager's channels to several processes
 * of the submission). B maps the blobs read-only and
 * never allocates. That message is the last A sends: from there to the program's end B and C
 * need nothing more of A, and only report (CAGE_MSG_*).
 */
#ifndef CAGE_H
#define CAGE_H

#include <stdint.h>

#define CAGE_MAGIC 0x45474143u /* "CAGE" */
#define CAGE_ABI 8u

/* A to B, once, with SCM_RIGHTS: stdin, stdout, stderr, configuration memfd, then at most
 * CAGE_RUN_EXTRA_MAX fds the program inherits on 5, 6, … in order (B closes its own copies of
 * them, as of 0-2, once the program has exec'd). */
#define CAGE_RUN 'R'
#define CAGE_RUN_FDS 4
#define CAGE_RUN_EXTRA_MAX 16

/* Kinds of set-up operations B performs, in order, before pivot_root. */
#define CAGE_OP_MOUNT 1u   /* mount(src, dst, fstype, flags, data) */
#define CAGE_OP_MKDIR 2u   /* mkdir(dst, mode); an existing directory is fine */
#define CAGE_OP_MKFILE 3u  /* create an empty regular file dst (a bind-mount target) */
#define CAGE_OP_SYMLINK 4u /* symlink(src, dst); an existing entry is fine */
#define CAGE_OP_CHOWN 5u   /* lchown(dst, uid, gid) with host ids (uid in mode, gid in arg) */
#define CAGE_OP_MKNOD 6u   /* mknod(dst, S_IFCHR | mode, arg) then chmod(dst, mode): a device on
                            * the box's own /dev tmpfs (B is still root of the initial user ns) */
#define CAGE_OP_WRITE 7u   /* create dst (mode) holding the arg bytes of string data; the
                            * run's box-relative /proc files, on its scratch tmpfs */
#define CAGE_OP_CHDIR 8u   /* chdir(dst): later relative paths (overlay layers) start there */
/* (mount with MS_MOVE moves a tree built during the preparation into the run's root) */

/* Operation flags. */
#define CAGE_OPF_OPTIONAL 1u /* ENOENT on the target is not an error (e.g. masking /proc/sched_debug) */

struct cage_op {
  uint32_t kind;
  uint32_t opflags;
  uint32_t src;    /* string offsets; 0 = NULL */
  uint32_t dst;
  uint32_t fstype;
  uint32_t data;   /* mount data, or the bytes of WRITE */
  uint32_t mode;   /* mkdir/mkfile/mknod/write mode, or uid for CHOWN */
  uint32_t arg;    /* gid for CHOWN, device number for MKNOD, length for WRITE */
  uint64_t flags;  /* mount flags */
};                 /* 40 bytes */

struct cage_rlimit {
  uint32_t resource;
  uint32_t pad;
  uint64_t cur;
  uint64_t max;
}; /* 24 bytes */

/* Configuration flags. */
#define CAGE_F_CGROUPNS 1u  /* B enters a fresh cgroup namespace after A attached it */
#define CAGE_F_SECCOMP_LISTENER 2u /* install the filter with SECCOMP_FILTER_FLAG_NEW_LISTENER */
#define CAGE_F_USERNS_FIRST 4u /* rootless: B was started in the worker's user namespace (cage_spawn's
                                * userns_fd); C takes outer_uid/outer_gid there, then enters a user
                                * namespace of its own mapping uid/gid to them (below the one the
                                * box's mounts belong to). Root mode (unset): C is cloned into a new
                                * user namespace, whose maps (uid/gid to outer_uid/outer_gid, the
                                * host ids) B writes as root of the initial one */
#define CAGE_F_REPORT_WRITES 8u /* X's detail says whether C wrote any byte (an interactive pair's runs) */

struct cage_cfg {
  uint32_t magic;
  uint32_t abi;
  uint32_t size;        /* size of the whole blob in bytes */
  uint32_t uid;         /* ids of C inside the user namespace */
  uint32_t gid;
  uint32_t hostname;    /* string */
  uint32_t new_root;    /* string: host path of the mount that becomes "/" */
  uint32_t ops;         /* array of struct cage_op */
  uint32_t nops;
  uint32_t cwd;         /* string: C's working directory inside */
  uint32_t path;        /* string: program to execve */
  uint32_t argv;        /* array of uint32 string offsets */
  uint32_t argc;
  uint32_t envp;        /* array of uint32 string offsets */
  uint32_t envc;
  uint32_t rlimits;     /* array of struct cage_rlimit */
  uint32_t nrlimits;
  uint32_t filter;      /* array of struct sock_filter (8 bytes each) */
  uint32_t nfilter;
  uint32_t flags;       /* CAGE_F_* */
  uint32_t outer_uid;   /* what uid/gid map to in B's user namespace: the leased host ids (root */
  uint32_t outer_gid;   /* mode), ids of the worker's namespace (CAGE_F_USERNS_FIRST) */
}; /* 88 bytes: a multiple of 8, so that the ops after it are aligned */

/* Messages B and C send to A on the control socket: fixed 64-byte records. */
#define CAGE_MSG_ERROR 'E'   /* set-up failed at stage, errno err (detail: op or rlimit index) */
#define CAGE_MSG_STARTED 'S' /* C's execve succeeded; c_pid is C's pid inside, cpu_ns B's own CPU */
#define CAGE_MSG_EXIT 'X'    /* C ended: status is its wait status, sys_nr the forbidden call or -1 */

struct cage_msg {
  uint32_t type;
  int32_t stage;
  int32_t err;
  int32_t detail;     /* E: which item failed; X (CAGE_F_REPORT_WRITES): the bytes C wrote in its
                       * life, at most INT32_MAX, -1 when unknown (cage.c: c_bytes_written) */
  int32_t status;
  int32_t sys_nr;
  uint32_t sys_arch;
  int32_t c_pid;
  uint64_t wall_ns;   /* C's wall time, from its clone to its reaping, measured by B */
  uint64_t end_ns;    /* X: CLOCK_MONOTONIC when B reaped C (the worker's hrtime clock), 0 if unknown */
  uint64_t cpu_ns;    /* S: B's own CPU time so far (CLOCK_PROCESS_CPUTIME_ID) when its set-up of C was
                       * over (maps written, C let go); X: user + system CPU of every process B
                       * reaped (getrusage RUSAGE_CHILDREN) */
  uint64_t maxrss_kb; /* X: the largest peak resident set of one of them, in KiB (ru_maxrss) */
}; /* 64 bytes */

/* Where a set-up failure happened. */
enum cage_stage {
  CAGE_STAGE_CONFIG = 1,
  CAGE_STAGE_SIGNALS = 2,
  CAGE_STAGE_FDS = 4,
  CAGE_STAGE_HOSTNAME = 5,
  CAGE_STAGE_SETGROUPS = 6,
  CAGE_STAGE_MOUNT_PRIVATE = 7,
  CAGE_STAGE_OP = 8,
  CAGE_STAGE_CHDIR_ROOT = 9,
  CAGE_STAGE_PIVOT_ROOT = 10,
  CAGE_STAGE_UMOUNT_OLD = 11,
  CAGE_STAGE_USERNS = 12,      /* root mode: B writing the maps of C's user namespace (detail: 1
                                * uid_map, 2 setgroups, 3 gid_map) */
  CAGE_STAGE_CGROUPNS = 14,
  CAGE_STAGE_SIGNALFD = 15,
  CAGE_STAGE_FORK = 16,        /* cloning C (root mode: into its new user namespace) */
  CAGE_STAGE_CAPS = 17,
  CAGE_STAGE_SETGID = 18,
  CAGE_STAGE_SETUID = 19,
  CAGE_STAGE_RLIMIT = 20,
  CAGE_STAGE_CHDIR_CWD = 21,
  CAGE_STAGE_NO_NEW_PRIVS = 22,
  CAGE_STAGE_SECCOMP = 23,
  CAGE_STAGE_CLOSE_FDS = 24,
  CAGE_STAGE_EXEC = 25,
  CAGE_STAGE_SUPERVISE = 26,
  CAGE_STAGE_EXEC_INIT = 27,
  CAGE_STAGE_PREPARE = 28,   /* mapping or checking the preparation blob, or making / a slave */
  CAGE_STAGE_PREPARE_OP = 29, /* a preparation op failed (detail: its index) */
  CAGE_STAGE_PROGRAM_USERNS = 30 /* CAGE_F_USERNS_FIRST: C's own user namespace (detail: step) */
};

/* spawn.c, called by A (on its main thread or a libuv pool thread): starts B (caged-init at
 * init_path) in new namespaces with the control socket ctl on fd 3, the preparation blob's
 * memfd prep (or -1: none) on fd 4 and nothing else open. userns_fd -1: the namespaces are
 * B's clone flags (root mode). Else (rootless) an open user namespace (the worker's own, see
 * src/linux/user-namespace.ts): B is made in it, its other namespaces owned by it.
 * Returns B's host pid once the exec has happened, or -errno. */
int cage_spawn(const char *init_path, int32_t ctl, int32_t prep, uint32_t clone_flags, int32_t userns_fd);
/* Sends B its run: the byte CAGE_RUN with n fds (CAGE_RUN_FDS, plus at most CAGE_RUN_EXTRA_MAX).
 * 0 or -errno. */
int cage_send_fds(int32_t sock, const int32_t *fds, uint32_t n);
/* The CPU time (user + system, ns) process pid has used so far, or -errno. A reads B's when it
 * hands B its run; B's 'S' carries the same clock read by B when C's set-up was over. */
int64_t cage_cpu_ns(int32_t pid);
/* Sizes, for the TypeScript side's layout check. */
uint32_t cage_abi_sizes(void);
/* Every field's offset, "struct.field=offset;..." for every struct above, for the TypeScript
 * side's layout check (test/protocol.test.ts): two swapped fields of one size differ here. */
const char *cage_abi_layout(void);

#endif
