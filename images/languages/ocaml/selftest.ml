(* The Str and Unix libraries are linked, as Kattis links them (problemtools' languages.yaml). *)
let () =
  ignore (Unix.getpid ());
  print_endline (String.concat "" (Str.split (Str.regexp " +") "O   K"))
