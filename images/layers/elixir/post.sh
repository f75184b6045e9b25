# post.sh of the elixir layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# Compiles caged's launcher for Elixir submissions, the module CagedElixir, into
# /usr/lib/caged/elixir (the elixir language's compile and run put it on the code path).
# Judges disagree on what an Elixir program is: Judge0 and HackerRank run the file as a script
# (`elixir script.exs`: top-level code, often beside modules), AtCoder and yukicoder compile
# it and call a module's main/0 (`elixir -e Main.main`). The launcher takes both:
#   compile: `elixir ... -e 'CagedElixir.compile()' -- ENTRY SOURCE...` parses the entry
#     (a syntax error fails the compile: CE), compiles its top-level modules (with its
#     top-level import/alias/require, which they see) into Elixir.*.beam in /box, and, when the
#     entry has top-level code, compiles that code too, as the body of
#     CagedElixir.Script.run/0, instead of evaluating it at run time as `elixir script.exs`
#     would: an undefined variable or function is then a compile error, and the code is run
#     as compiled code, not by the evaluator. Without top-level code the call is main/0 of the
#     module Main, else of the first top-level module that defines it, else main/1 with [];
#     none is a compile error. The call is written into /box/.caged-elixir-main. Other
#     sources (multi-file submissions) are compiled whole first, as elixirc does.
#   run: `elixir ... -e 'CagedElixir.run()'` makes that call; the elixir command prints an
#     exception and exits 1 as it does for any script.
# Nothing is written at run time (HOME, mix and hex are never used).
set -eu
dir=/usr/lib/caged/elixir
src=/tmp/caged-elixir
rm -rf "$src"
mkdir -p "$dir" "$src"
cat >"$src/caged_elixir.ex" <<'EX'
# caged's launcher for Elixir submissions: see images/layers/elixir/post.sh.
defmodule CagedElixir do
  @main ".caged-elixir-main"
  @directives [:import, :alias, :require]

  def compile do
    [entry | sources] = System.argv()
    others = Enum.uniq(sources) -- [entry]

    try do
      if others != [] do
        case Kernel.ParallelCompiler.compile_to_path(others, ".") do
          {:ok, _, _} -> :ok
          {:error, _, _} -> System.halt(1)
        end
      end

      forms = entry |> File.read!() |> Code.string_to_quoted!(file: entry, columns: true) |> top_level()
      kept = Enum.filter(forms, &(defmodule?(&1) or directive?(&1)))
      modules = if kept == [], do: [], else: Code.compile_quoted({:__block__, [], kept}, entry)
      for {mod, bin} <- modules, do: File.write!(Atom.to_string(mod) <> ".beam", bin)
      script = Enum.reject(forms, &defmodule?/1)

      action =
        if Enum.all?(script, &directive?/1) do
          call(forms, Enum.map(modules, &elem(&1, 0)), entry)
        else
          # The top-level code becomes the body of CagedElixir.Script.run/0: compiled, not
          # evaluated, so that an undefined variable or function is a compile error and loops
          # run as fast as in a module.
          body = {:__block__, [], Enum.map(script, &quiet/1)}
          wrapped = quote do: defmodule(CagedElixir.Script, do: def(run, do: unquote(body)))
          for {mod, bin} <- Code.compile_quoted(wrapped, entry), do: File.write!(Atom.to_string(mod) <> ".beam", bin)
          {:call, CagedElixir.Script, :run, []}
        end

      File.write!(@main, :erlang.term_to_binary(action))
    rescue
      e ->
        IO.puts(:stderr, Exception.format(:error, e, []))
        System.halt(1)
    end
  end

  def run do
    {:call, m, f, a} = @main |> File.read!() |> :erlang.binary_to_term()
    apply(m, f, a)
  end

  defp top_level({:__block__, _, forms}), do: forms
  defp top_level(form), do: [form]

  defp defmodule?({:defmodule, _, [_, _]}), do: true
  defp defmodule?(_), do: false

  defp directive?({d, _, args}) when d in @directives and is_list(args), do: true
  defp directive?(_), do: false

  # The top-level imports and aliases are the modules' too: unused in the script's body, they
  # are not worth a warning there.
  defp quiet({d, meta, [arg]}) when d in [:import, :alias], do: {d, meta, [arg, [warn: false]]}

  defp quiet({d, meta, [arg, opts]}) when d in [:import, :alias] and is_list(opts),
    do: {d, meta, [arg, Keyword.put(opts, :warn, false)]}

  defp quiet(form), do: form

  # The module `Main`, then the top-level modules in source order, then the others (nested).
  defp call(forms, compiled, entry) do
    top = for {:defmodule, _, [{:__aliases__, _, parts}, _]} <- forms, do: Module.concat(parts)
    order = Enum.uniq([Main | top] ++ compiled)
    candidates = for m <- order, m in compiled, {f, a} <- [main: 0, main: 1], function_exported?(m, f, a), do: {m, f, a}

      case Enum.find(candidates, &match?({_, _, 0}, &1)) || List.first(candidates) do
      {m, f, 0} -> {:call, m, f, []}
      {m, f, 1} -> {:call, m, f, [[]]}
      nil ->
        IO.puts(:stderr, "#{entry}: no top-level code to run and no module defines main/0 or main/1 " <>
          "(the judge runs the top-level code, else calls main() of the module Main or the first module defining it)")
        System.halt(1)
    end
  end
end
EX
(cd "$src" && HOME=/tmp elixirc -o "$dir" caged_elixir.ex)
rm -rf "$src"
chmod 0644 "$dir"/*.beam
