/* sys.h: raw system calls and clone-onto-a-stack for code that must not touch libc:
 * the CLONE_VM stub (spawn.c) and caged-init (cage.c). */
#ifndef CAGE_SYS_H
#define CAGE_SYS_H
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

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

/* clone onto a new stack and run fn(arg) there, then _exit with its result. ctid: the child's
 * tid word for CLONE_CHILD_CLEARTID (else 0). */
__attribute__((unused)) static long clone_on(unsigned long flags, void *stack_top, int (*fn)(void *), void *arg,
                                             volatile int *ctid) {
  register long r10 __asm__("r10") = (long)ctid; /* child_tid */
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

__attribute__((unused)) static long clone_on(unsigned long flags, void *stack_top, int (*fn)(void *), void *arg,
                                             volatile int *ctid) {
  register long x8 __asm__("x8") = SYS_clone;
  register long x0 __asm__("x0") = (long)flags;
  register long x1 __asm__("x1") = (long)stack_top;
  register long x2 __asm__("x2") = 0; /* parent_tid */
  register long x3 __asm__("x3") = 0; /* tls */
  register long x4 __asm__("x4") = (long)ctid; /* child_tid */
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

/* ---------------------------------------------------------------- the run message */

/* Buffers of the 'R' message (cage.h): one byte and room for CAGE_RUN_FDS fds. Set up by the
 * sender (spawn.c) and the receiver (cage.c) alike; memset is libc's in spawn.c, cage.c's own
 * in caged-init. */
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

struct run_msg {
  char byte;
  struct iovec iov;
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int) * (CAGE_RUN_FDS + CAGE_RUN_EXTRA_MAX))];
  } c;
  struct msghdr msg;
};

static inline void run_msg_init(struct run_msg *m, char byte, unsigned nfds) {
  memset(m, 0, sizeof *m);
  m->byte = byte;
  m->iov.iov_base = &m->byte;
  m->iov.iov_len = 1;
  m->msg.msg_iov = &m->iov;
  m->msg.msg_iovlen = 1;
  m->msg.msg_control = m->c.buf;
  m->msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
}

#endif
