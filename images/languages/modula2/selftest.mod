(* Self-test of Modula-2: a program module named otherwise than its file (main.mod). Prints OK. *)
MODULE SelfTest;
FROM STextIO IMPORT WriteString, WriteLn;
BEGIN
  WriteString("OK"); WriteLn
END SelfTest.
