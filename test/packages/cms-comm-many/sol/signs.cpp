#include "signs.h"

long long answer(int process, long long x) { return process == 0 ? x : -x; }
