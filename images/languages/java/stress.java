// Stress of the JVM: 8 threads each in a GC-heavy loop, and a recursion 100 000 deep. Prints OK.
import java.util.*;
import java.util.concurrent.atomic.AtomicLong;

public class Main {
    static int depth(int n) { return n == 0 ? 0 : depth(n - 1) + 1; }

    public static void main(String[] args) throws Exception {
        AtomicLong total = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread th = new Thread(() -> {
                long s = 0;
                for (int i = 0; i < 200_000; i++) {
                    List<Integer> l = new ArrayList<>();
                    for (int j = 0; j < 10; j++) l.add(i + j);
                    s += l.get(9);
                }
                total.addAndGet(s);
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) th.join();
        boolean ok = total.get() == 8L * (199_999L * 200_000L / 2 + 9L * 200_000L) && depth(100_000) == 100_000;
        System.out.println(ok ? "OK" : "FAIL");
    }
}
