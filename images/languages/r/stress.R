# Stress of R: a vector of 10^7, a sort of 10^6, a recursion 200 deep. Prints OK.
depth <- function(n) if (n == 0) 0 else depth(n - 1) + 1
v <- as.numeric(1:10000000)
s <- sort(((1:1000000) * 7919) %% 1000003)
ok <- sum(v) == 50000005000000 && !is.unsorted(s) && depth(200) == 200
cat(if (ok) "OK" else "FAIL", "\n", sep = "")
