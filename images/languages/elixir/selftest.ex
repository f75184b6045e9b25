IO.puts("OK")
