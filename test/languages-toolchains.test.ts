/**
 * Toolchains newer than Debian 12's own packages, on the real image: JetBrains' Kotlin 2 (a
 * pinned download), bookworm-backports' Go 1.23 with its standard library precompiled, and
 * Debian's rustc-web (images/layers/kotlin, golang, rust). Each test compiles what the older
 * toolchain of the same name refused.
 */
import type { Judge } from '../src/judge/judge';
import { useTestJudge } from './helpers/judge-fixture';

let judge: Judge;
useTestJudge('caged-toolchains-', (j) => (judge = j));

describe("Kotlin 2, JetBrains' compiler (images/layers/kotlin)", () => {
  it('compiles what contest code of today is written in, and code written for Kotlin 1.3', async () => {
    const newer = [
      'import kotlin.time.Duration.Companion.seconds',
      '',
      '@JvmInline',
      'value class Id(val v: Int)',
      '',
      'sealed interface Shape',
      'data class Sq(val side: Long) : Shape',
      '',
      'fun area(s: Shape): Long = when (s) {',
      '    is Sq -> s.side * s.side',
      '}',
      '',
      'fun main() {',
      '    val n = readln().trim().toInt()',
      '    val xs = readln().split(" ").map { it.toInt() }.toMutableList()',
      '    val last = xs.removeLast()',
      '    val first = xs.removeFirstOrNull()',
      '    val word = readlnOrNull()?.trim() ?: ""',
      '    val squares = buildList {',
      '        for (x in xs) add(Sq(x.toLong()),)',
      '    }',
      '    println(listOf(n, last, first, xs.maxOrNull(), xs.sumOf { it.toLong() }, squares.sumOf(::area),).joinToString(" "))',
      '    println("${word.uppercase()} ${word[0].code} ${(-7).mod(3)} ${Id(5).v} ${90.seconds.inWholeMinutes} ${(1..<4).sum()}")',
      '    println(readlnOrNull())',
      '}',
    ].join('\n');
    const r = await judge.judge({
      language: 'kotlin',
      source: newer,
      testcases: [{ stdin: '4\n3 9 4 1\nCaGed\n', expected: '4 1 3 9 13 97\nCAGED 67 2 5 1 6\nnull\n' }],
    });
    expect({ verdict: r.verdict, message: r.message, compile: r.compile?.output }).toMatchObject({ verdict: 'AC' });
    // Code written for Kotlin 1.3: its own readln (declared closer than the standard library's),
    // and functions deprecated since 1.5 that 2.1 made errors (the compile takes 2.0's API).
    const old = [
      'private fun readln() = readLine()!!',
      'fun main() {',
      '    val (a, b) = readln().split(" ").map { it.toLong() }',
      '    val w = readln()',
      '    println("${a + b} ${w.toUpperCase()} ${w.toLowerCase()} ${w[0].toUpperCase()} ${w[0].toInt()} ${listOf(1, 2).sumBy { it }} ${w.capitalize()}")',
      '}',
    ].join('\n');
    const r2 = await judge.judge({
      language: 'kotlin',
      source: old,
      testcases: [{ stdin: '2 40\ncaGed\n', expected: '42 CAGED caged C 99 3 CaGed' }],
    });
    expect({ verdict: r2.verdict, compile: r2.compile?.output }).toMatchObject({ verdict: 'AC' });
  }, 180_000);
  it('finds the file class of main as Kotlin 2 names it (a first digit, a first non-ASCII letter)', async () => {
    for (const name of ['2sat.kt', 'über.kt', 'my-sol.kt']) {
      const files = [
        { name, content: 'fun main() { println(readln().split(" ").sumOf { it.toLong() }) }\n' },
        { name: 'util.kt', content: 'fun helper() = 1\n' },
      ];
      const r = await judge.judge({ language: 'kotlin', files, testcases: [{ stdin: '1 2\n', expected: '3' }] });
      expect({ name, verdict: r.verdict, stderr: r.tests[0]?.stderr }).toMatchObject({ name, verdict: 'AC' });
    }
  }, 180_000);
});

describe("Go and Rust newer than Debian 12's defaults (images/layers/golang, images/layers/rust)", () => {
  it('Go: min and max built-ins, range over an int, generics; the standard library precompiled in the image', async () => {
    const source = [
      'package main',
      '',
      'import (',
      '\t"bufio"',
      '\t"fmt"',
      '\t"os"',
      '\t"slices"',
      ')',
      '',
      'func sum[T int | int64](xs []T) (s T) {',
      '\tfor _, x := range xs {',
      '\t\ts += x',
      '\t}',
      '\treturn',
      '}',
      '',
      'func main() {',
      '\tr := bufio.NewReader(os.Stdin)',
      '\tvar a, b int',
      '\tfmt.Fscan(r, &a, &b)',
      '\txs := []int{}',
      '\tfor i := range 4 {',
      '\t\txs = append(xs, i*a)',
      '\t}',
      '\tslices.Reverse(xs)',
      '\tfmt.Println(min(a, b), max(a, b, 7), sum(xs), xs)',
      '}',
    ].join('\n');
    const r = await judge.judge({ language: 'go', source, testcases: [{ stdin: '2 40\n', expected: '2 40 12 [6 4 2 0]' }] });
    expect({ verdict: r.verdict, compile: r.compile?.output }).toMatchObject({ verdict: 'AC' });
    // Nothing of the standard library is compiled again: a fresh box's compile takes well under a second of CPU.
    expect(r.compile?.cpuTimeMs).toBeLessThan(3000);
  }, 120_000);

  it('Rust: let-else, is_some_and, div_ceil (Rust 1.65 to 1.73)', async () => {
    const source = [
      'use std::io::{self, Read};',
      '',
      'fn main() {',
      '    let mut s = String::new();',
      '    io::stdin().read_to_string(&mut s).unwrap();',
      '    let mut it = s.split_whitespace().map(|t| t.parse::<u64>().unwrap());',
      '    let (Some(a), Some(b)) = (it.next(), it.next()) else { panic!("two numbers") };',
      '    let big = Some(b).is_some_and(|x| x > 10);',
      '    println!("{} {} {}", a + b, b.div_ceil(a), big);',
      '}',
    ].join('\n');
    const r = await judge.judge({ language: 'rust', source, testcases: [{ stdin: '3 40\n', expected: '43 14 true' }] });
    expect({ verdict: r.verdict, compile: r.compile?.output }).toMatchObject({ verdict: 'AC' });
  }, 120_000);
});
