\ Stress of Forth: an array of 2*10^5 cells in the dictionary, heapsorted and checked, a
\ recursion 10^5 deep, a buffer from ALLOCATE. Prints OK.
200000 constant n
create a n cells allot
: a@ ( i -- x ) cells a + @ ;
: a! ( x i -- ) cells a + ! ;
: swap-a ( i j -- ) over a@ over a@ 2swap >r a! r> a! ;
: sift ( start end -- )
  >r
  begin
    dup 2* 1+ dup r@ <
  while ( root child )
    dup 1+ r@ < if dup a@ over 1+ a@ < if 1+ then then
    2dup a@ swap a@ > if 2dup swap-a nip else 2drop r> drop exit then
  repeat
  2drop r> drop ;
: heapsort
  n 2/ 1- begin dup 0>= while dup n sift 1- repeat drop
  n 1- begin dup 0> while 0 over swap-a 0 over sift 1- repeat drop ;
: sorted? ( -- f ) true n 1 do i 1- a@ i a@ > if drop false leave then loop ;
: depth ( n -- n ) dup 0= if exit then 1- recurse 1+ ;
: fill n 0 do i 7919 * 1000003 mod i a! loop ;
variable ok
: main
  fill heapsort sorted? ok !
  100000 depth 100000 = ok @ and ok !
  1000000 allocate throw dup 1000000 erase 1000000 + 1- c@ 0= ok @ and ok !
  ok @ if ." OK" else ." FAIL" then cr ;
main
