(* Stress of OCaml: a list of 10^6, a Hashtbl of 10^5 keys, a non-tail recursion 100 000 deep. Prints OK. *)
let rec depth n = if n = 0 then 0 else 1 + depth (n - 1)

let () =
  let l = List.init 1_000_000 (fun i -> i) in
  let s = List.fold_left ( + ) 0 l in
  let h = Hashtbl.create 16 in
  for i = 0 to 99_999 do Hashtbl.replace h i (i * 2) done;
  let ok = s = 499_999_500_000 && Hashtbl.length h = 100_000 && Hashtbl.find h 500 = 1000 && depth 100_000 = 100_000 in
  print_endline (if ok then "OK" else "FAIL")
