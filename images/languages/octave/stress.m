## Stress of Octave: a linear system of 300 unknowns and its LU, a sort of 10^6, a loop of 5*10^4,
## cellfun over 10^4 strings, strsplit/regexprep/str2double, a struct array and dynamic fields,
## containers.Map (a classdef: slow in Octave 7, 1000 insertions take 3 s of CPU, so 50 here), a
## recursion 200 deep. Prints OK.
1;
function r = depth (n)
  if (n == 0)
    r = 0;
  else
    r = depth (n - 1) + 1;
  endif
endfunction

ok = true;
n = 300;
A = mod ((1:n)' * (1:n) * 7919, 1009) / 1009 + n * eye (n);
b = A * ones (n, 1);
x = A \ b;
ok = ok && norm (x - 1, Inf) < 1e-9;
[L, U, P] = lu (A);
ok = ok && norm (P' * L * U - A, 1) < 1e-9 * norm (A, 1);

v = mod ((1:1e6) * 7919, 1000003);
s = sort (v);
ok = ok && issorted (s) && sum (v) == sum (s);

acc = 0;
for i = 1:5e4
  acc = acc + mod (i, 7);
endfor
ok = ok && acc == sum (mod (1:5e4, 7));

words = arrayfun (@(k) sprintf ("w%d", k), 1:1e4, "UniformOutput", false);
lens = cellfun (@numel, words);
ok = ok && sum (lens) == sum (floor (log10 (1:1e4)) + 2);
up = cellfun (@upper, words(1:1000), "UniformOutput", false);
ok = ok && strcmp (up{1000}, "W1000");
line = strjoin (words(1:5000), " ");
parts = strsplit (line, " ");
nums = str2double (regexprep (parts, "^w", ""));
ok = ok && numel (parts) == 5000 && sum (nums) == 5000 * 5001 / 2;

st = struct ("id", num2cell (1:1000), "name", words(1:1000));
ok = ok && sum ([st.id]) == 500500 && strcmp (st(42).name, "w42");

d = struct ();
for i = 1:1000
  d.(words{i}) = i;
endfor
ok = ok && numfields (d) == 1000 && d.w777 == 777;
m = containers.Map ("KeyType", "char", "ValueType", "double");
for i = 1:50
  m(words{i}) = i;
endfor
ok = ok && m.Count == 50 && m("w37") == 37 && ! isKey (m, "w51");

ok = ok && depth (200) == 200;

if (ok)
  printf ("OK\n");
else
  printf ("FAIL\n");
endif
