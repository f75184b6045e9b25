# Stress of Elixir: a list of 2*10^5 sorted, a map of 10^5, a non-tail recursion 10^6 deep,
# 1000 processes passing a token around a ring, a string built from 10^5 parts; modules and
# top-level code, as a script has them. Prints OK.
defmodule Stress do
  def depth(0), do: 0
  def depth(n), do: depth(n - 1) + 1

  def sorted?([a, b | t]), do: a <= b and sorted?([b | t])
  def sorted?(_), do: true

  def ring(n) do
    me = self()
    first = Enum.reduce(1..n, me, fn _, next -> spawn(fn -> relay(next) end) end)
    send(first, {:token, 0})
    receive do
      {:token, hops} -> hops
    end
  end

  defp relay(next) do
    receive do
      {:token, h} -> send(next, {:token, h + 1})
    end
  end
end

list = for i <- 1..200_000, do: rem(i * 7919, 1_000_003)
sorted = Enum.sort(list)
map = Map.new(1..100_000, &{&1, &1 * &1})
str = Enum.map_join(1..100_000, &Integer.to_string/1)

ok =
  Stress.sorted?(sorted) and
    length(sorted) == 200_000 and map[99_999] == 99_999 * 99_999 and
    byte_size(str) == 488_895 and Stress.depth(1_000_000) == 1_000_000 and Stress.ring(1000) == 1000

IO.puts(if ok, do: "OK", else: "FAIL")
