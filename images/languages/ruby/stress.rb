# Stress of Ruby: a hash of 10^5 keys, a sort of 10^6, a recursion 5 000 deep, 4 threads. Prints OK.
def depth(n) = n.zero? ? 0 : depth(n - 1) + 1

h = {}
100_000.times { |i| h[i] = i * 2 }
v = Array.new(1_000_000) { |i| (i * 7919) % 1_000_003 }.sort
sums = 4.times.map { |t| Thread.new { (0...100_000).sum { |i| i * t } } }.map(&:value)
ok = h.size == 100_000 && v.each_cons(2).all? { |a, b| a <= b } && depth(5000) == 5000 && sums.sum == 6 * 4_999_950_000
puts ok ? 'OK' : 'FAIL'
