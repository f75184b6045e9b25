#include <stdio.h>

/* k.txt comes from include/default/ (C has no include/c/). */
int main(void) {
    long n, k;
    FILE *f = fopen("k.txt", "r");
    if (!f || fscanf(f, "%ld", &k) != 1 || scanf("%ld", &n) != 1) return 1;
    printf("%ld\n", n + k);
    return 0;
}
