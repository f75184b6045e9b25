// Stress of D: the GC under a loop of small allocations, an associative array of 10^5 keys. Prints OK.
import std.stdio;
void main() {
    long total = 0;
    foreach (i; 0 .. 200_000) {
        auto a = new int[](16);
        a[0] = i;
        total += a[0];
    }
    int[int] m;
    foreach (i; 0 .. 100_000) m[i] = i * 2;
    writeln(total == 19_999_900_000L && m.length == 100_000 && m[500] == 1000 ? "OK" : "FAIL");
}
