<?php
// Stress of PHP: an array of 10^6, sorting, a recursion 10 000 deep. Prints OK.
function depth($n) { return $n == 0 ? 0 : depth($n - 1) + 1; }
$a = [];
for ($i = 0; $i < 1000000; $i++) $a[] = ($i * 7919) % 1000003;
sort($a);
$ok = true;
for ($i = 1; $i < count($a); $i++) if ($a[$i - 1] > $a[$i]) $ok = false;
echo ($ok && depth(10000) == 10000) ? "OK\n" : "FAIL\n";
