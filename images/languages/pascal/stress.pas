{ Stress of Free Pascal: a dynamic array of 10^7, a recursion 100 000 deep. Prints OK. }
program main;
var
  a: array of longint;
  i: longint;
  s: int64;

function depth(n: longint): longint;
begin
  if n = 0 then depth := 0 else depth := depth(n - 1) + 1;
end;

begin
  setlength(a, 10000000);
  for i := 0 to high(a) do a[i] := i mod 10;
  s := 0;
  for i := 0 to high(a) do s := s + a[i];
  if (s = 45000000) and (depth(100000) = 100000) then writeln('OK') else writeln('FAIL');
end.
