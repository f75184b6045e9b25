/* files.py in C: the test's files lie over the compiled program (and the compile cache's layer). */
#include <stdio.h>

int main(void) {
    char names[16][256], word[256];
    int n = 0;
    while (n < 16 && scanf("%255s", names[n]) == 1) n++;
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(names[i], "r");
        printf(i ? " %s" : "%s", f && fscanf(f, "%255s", word) == 1 ? word : "absent");
        if (f) fclose(f);
    }
    printf("\n");
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(names[i], "r+");
        if (f) {
            fputs("changed\n", f);
            fclose(f);
        }
    }
    FILE *leak = fopen("leak.txt", "w");
    if (leak) {
        fputs("changed\n", leak);
        fclose(leak);
    }
    return 0;
}
