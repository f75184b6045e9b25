(* Stress of Modula-2 (ISO, GNU Modula-2): 10^7 integers on the heap (NEW), a recursion
   100 000 deep, a linked list of 5000 records made and disposed of (ISO Storage keeps every
   block in an unbalanced tree: NEW costs time in the number of blocks live). Prints OK. *)
MODULE Stress;
FROM Storage IMPORT ALLOCATE, DEALLOCATE;
IMPORT STextIO, SWholeIO;

CONST N = 10000000;
TYPE
  Big = ARRAY [0..N-1] OF INTEGER;
  Node = POINTER TO RECORD value: INTEGER; next: Node END;
VAR
  a: POINTER TO Big;
  i: INTEGER;
  s: LONGINT;
  list, p: Node;
  ok: BOOLEAN;

PROCEDURE Depth(n: INTEGER): INTEGER;
BEGIN
  IF n = 0 THEN RETURN 0 ELSE RETURN Depth(n - 1) + 1 END
END Depth;

BEGIN
  NEW(a);
  FOR i := 0 TO N - 1 DO a^[i] := i MOD 10 END;
  s := 0;
  FOR i := 0 TO N - 1 DO s := s + VAL(LONGINT, a^[i]) END;
  DISPOSE(a);
  list := NIL;
  FOR i := 1 TO 5000 DO NEW(p); p^.value := i; p^.next := list; list := p END;
  i := 0;
  WHILE list # NIL DO p := list; list := list^.next; i := i + p^.value MOD 7; DISPOSE(p) END;
  ok := (s = 45000000) AND (Depth(100000) = 100000) AND (i = 14997);
  IF ok THEN STextIO.WriteString("OK") ELSE STextIO.WriteString("FAIL ") ; SWholeIO.WriteInt(i, 0) END;
  STextIO.WriteLn
END Stress.
