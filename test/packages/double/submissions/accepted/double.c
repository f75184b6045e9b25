#include <stdio.h>
int main(void){long long x;scanf("%lld",&x);printf("%lld\n",2*x);return 0;}
