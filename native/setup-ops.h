/* setup-ops.h: B's executor of one set-up operation (setup-ops.c), used by cage.c. */
#ifndef CAGE_SETUP_OPS_H
#define CAGE_SETUP_OPS_H
#include <stdint.h>

#include "cage.h"

/* Performs `op` of a blob mapped at `base` (`size` bytes): 0, or a negative errno. */
long cage_op_run(const char *base, uint32_t size, const struct cage_op *op);

#endif
