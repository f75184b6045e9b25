// Stress of Mono: 8 threads each in a GC-heavy loop, LINQ, a recursion 100 000 deep. Prints OK.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

class Program {
    static int Depth(int n) { return n == 0 ? 0 : Depth(n - 1) + 1; }

    static void Main() {
        long total = 0;
        var threads = new List<Thread>();
        for (int t = 0; t < 8; t++) {
            var th = new Thread(() => {
                long s = 0;
                for (int i = 0; i < 100000; i++) {
                    var l = new List<int>();
                    for (int j = 0; j < 10; j++) l.Add(i + j);
                    s += l[9];
                }
                Interlocked.Add(ref total, s);
            });
            threads.Add(th);
            th.Start();
        }
        foreach (var th in threads) th.Join();
        long expected = 8L * (99999L * 100000L / 2 + 9L * 100000L);
        bool ok = total == expected && Enumerable.Range(1, 100).Sum() == 5050 && Depth(100000) == 100000;
        Console.WriteLine(ok ? "OK" : "FAIL");
    }
}
