# Stress of Nim: a seq of 10^6 sorted, a Table of 10^6 keys, a HashSet, a heap, string
# building, a recursion 100 000 deep. Prints OK.
import std/[algorithm, tables, sets, heapqueue, strutils]

proc depth(n: int): int =
  if n == 0: 0 else: depth(n - 1) + 1

var xs = newSeq[int](1_000_000)
for i in 0 ..< xs.len: xs[i] = (i * 7919) mod 1_000_003
xs.sort()
var ok = xs.isSorted()

var t = initTable[int, int]()
for i in 0 ..< 1_000_000: t[i] = i * 2
ok = ok and t[999_999] == 1_999_998 and t.len == 1_000_000

var s = initHashSet[string]()
for i in 0 ..< 100_000: s.incl("k" & $i)
ok = ok and s.len == 100_000 and "k99999" in s

var h = initHeapQueue[int]()
for i in 0 ..< 100_000: h.push((i * 31) mod 100_003)
var prev = -1
while h.len > 0:
  let x = h.pop()
  if x < prev: ok = false
  prev = x

var b = newStringOfCap(16)
for i in 0 ..< 100_000: b.add($i)
ok = ok and b.len > 400_000 and b.startsWith("0123")

ok = ok and depth(100_000) == 100_000
echo(if ok: "OK" else: "FAIL")
