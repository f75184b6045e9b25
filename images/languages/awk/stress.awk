# Stress of GNU Awk: an associative array of 10^6 keys and a recursion 10 000 deep. Prints OK.
function depth(n) { return n == 0 ? 0 : depth(n - 1) + 1 }
BEGIN {
  for (i = 0; i < 1000000; i++) a[i] = i * 2
  s = 0
  for (k in a) s += a[k]
  print (s == 999999000000 && length(a) == 1000000 && depth(10000) == 10000) ? "OK" : "FAIL"
}
