#include <stdio.h>
int main(void) { long long a, b; scanf("%lld %lld", &a, &b); volatile unsigned long long x = 0; if (a > 3) for (;;) x++; printf("%lld\n", a + b); return 0; }
