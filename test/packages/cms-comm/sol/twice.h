long long twice(long long x);
