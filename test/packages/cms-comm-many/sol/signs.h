long long answer(int process, long long x);
