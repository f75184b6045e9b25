-- Stress of Lua: a table of 10^6, a sort, a recursion 50 000 deep. Prints OK.
local function depth(n) if n == 0 then return 0 end return depth(n - 1) + 1 end
local t = {}
for i = 1, 1000000 do t[i] = (i * 7919) % 1000003 end
table.sort(t)
local ok = depth(50000) == 50000
for i = 2, #t do if t[i - 1] > t[i] then ok = false end end
print(ok and "OK" or "FAIL")
