long long area(long long w, long long h);
