unsigned long long add(unsigned long long a, unsigned long long b);
