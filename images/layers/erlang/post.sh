# post.sh of the erlang layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# Compiles caged's launcher for Erlang submissions, the module caged_erlang, into
# /usr/lib/caged/erlang (the erlang language's compile and run put it on the code path).
# Judges disagree on what an Erlang program is: Kattis runs a module with `erl -run Module`
# (Module:start()), HackerRank, SPOJ and AtCoder call main/0 of a module, Judge0 runs the file
# as an escript (main/1, no -module attribute, an optional #! line). The launcher takes all of
# them:
#   compile: `erl ... -s caged_erlang compile -extra ENTRY SOURCE...` preprocesses and compiles
#     every source with the compiler's API (so that the module need not be named after the file:
#     a single source is saved as main.erl) into <module>.beam in /box, with ONLINE_JUDGE
#     defined; a source without -module is an escript: the module `main`, all its functions
#     exported. Errors and warnings go to the compile's output, as erlc prints them, and an
#     error fails the compile (CE). The call to make is chosen from the entry module's exports,
#     main/0, else start/0, else main/1 (with []); none of them is a compile error. It is
#     written into /box/.caged-erlang-main.
#   run: `erl ... -s caged_erlang run` makes that call, then halts: 0 when it returns, 1 with
#     the exception on stderr when it raises. (Kattis's `-s init stop` after the call would
#     also work, but an orderly stop of the runtime takes about a second of wall time.)
#     When standard input is a file (the run passes -noinput then), the program reads it
#     through a file io server on /dev/stdin, not through the runtime's `user` (which keeps the
#     output): OTP 25's `user` makes io:get_line and io:fread in list mode quadratic
#     (2*10^4 lines: 6 s of CPU instead of 0.2), and, without -noinput, buffers the whole
#     input whether the program reads it or not. A pipe (an interactive problem) is read by
#     `user` as usual: a file io server's read waits for a full buffer or the end.
set -eu
dir=/usr/lib/caged/erlang
src=/tmp/caged-erlang
rm -rf "$src"
mkdir -p "$dir" "$src"
cat >"$src/caged_erlang.erl" <<'ERL'
%% caged's launcher for Erlang submissions: see images/layers/erlang/post.sh.
-module(caged_erlang).
-export([compile/0, run/0]).

-define(MAIN, ".caged-erlang-main").

compile() ->
    Status =
        try
            [Entry | Sources] = init:get_plain_arguments(),
            compile_all(Entry, [Entry | lists:delete(Entry, Sources)])
        catch
            Class:Reason:Stack ->
                io:format("~s~n", [erl_error:format_exception(Class, Reason, Stack)]),
                1
        end,
    halt(Status).

compile_all(Entry, Files) ->
    Results = [compile_file(F, F =:= Entry) || F <- Files],
    case lists:member(error, Results) of
        true ->
            1;
        false ->
            Mods = [M || {M, _} <- Results],
            case Mods -- lists:usort(Mods) of
                [] ->
                    {_, Call} = hd(Results),
                    case Call of
                        none ->
                            io:format("~s: module ~s exports no main/0, start/0 or main/1: "
                                      "the judge calls main(), else start(), else main([])~n",
                                      [Entry, hd(Mods)]),
                            1;
                        _ ->
                            ok = file:write_file(?MAIN, io_lib:format("~p.~n", [Call])),
                            0
                    end;
                Dups ->
                    io:format("module ~s is defined by more than one file~n", [hd(Dups)]),
                    1
            end
    end.

%% {Module, Call | none} or error.
compile_file(File, IsEntry) ->
    case read_forms(File) of
        {error, Message} ->
            io:format("~s: ~s~n", [File, Message]),
            error;
        {ok, Forms0} ->
            HasModule = lists:any(fun({attribute, _, module, _}) -> true; (_) -> false end, Forms0),
            {Forms, Extra} =
                case HasModule of
                    true -> {Forms0, []};
                    false when IsEntry -> {as_escript(Forms0), [export_all, nowarn_export_all]};
                    false -> {Forms0, []}
                end,
            Opts = [binary, return_errors, return_warnings, {d, 'ONLINE_JUDGE'} | Extra],
            case compile:noenv_forms(Forms, Opts) of
                {ok, Mod, Bin, Warnings} ->
                    report(Warnings, "Warning: "),
                    ok = file:write_file(atom_to_list(Mod) ++ ".beam", Bin),
                    {Mod, IsEntry andalso call(Mod, Bin)};
                {error, Errors, Warnings} ->
                    report(Errors, ""),
                    report(Warnings, "Warning: "),
                    error
            end
    end.

%% The forms of File through the preprocessor (includes, macros), a #! first line skipped.
read_forms(File) ->
    case file:open(File, [read]) of
        {error, Reason} ->
            {error, file:format_error(Reason)};
        {ok, Fd} ->
            Line =
                case io:get_line(Fd, '') of
                    "#!" ++ _ -> 2;
                    _ -> file:position(Fd, bof), 1
                end,
            Opts = [{fd, Fd}, {name, File}, {location, {Line, 1}},
                    {includes, [".", filename:dirname(File)]},
                    {macros, [{'ONLINE_JUDGE', true}]}],
            try epp:open(Opts) of
                {ok, Epp} ->
                    Forms = collect(Epp, []),
                    epp:close(Epp),
                    {ok, Forms};
                {error, Reason} ->
                    {error, io_lib:format("~p", [Reason])}
            after
                file:close(Fd)
            end
    end.

collect(Epp, Acc) ->
    case epp:parse_erl_form(Epp) of
        {eof, Location} -> lists:reverse(Acc, [{eof, Location}]);
        {ok, Form} -> collect(Epp, [Form | Acc]);
        {error, E} -> collect(Epp, [{error, E} | Acc]);
        {warning, W} -> collect(Epp, [{warning, W} | Acc])
    end.

%% An escript: the module `main`, after the file attribute epp puts first.
as_escript([{attribute, _, file, _} = F | Rest]) ->
    [F, {attribute, 1, module, main} | Rest];
as_escript(Forms) ->
    [{attribute, 1, module, main} | Forms].

call(Mod, Bin) ->
    {ok, {Mod, [{exports, Exports}]}} = beam_lib:chunks(Bin, [exports]),
    case [C || {F, A, _} = C <- [{main, 0, []}, {start, 0, []}, {main, 1, [[]]}],
               lists:member({F, A}, Exports)] of
        [{F, _, Args} | _] -> {Mod, F, Args};
        [] -> none
    end.

report(Issues, Prefix) ->
    [[io:format("~s:~s ~s~s~n", [F, loc(L), Prefix, M:format_error(D)]) || {L, M, D} <- Is]
     || {F, Is} <- Issues],
    ok.

loc({Line, Col}) -> io_lib:format("~w:~w:", [Line, Col]);
loc(none) -> "";
loc(Line) -> io_lib:format("~w:", [Line]).

run() ->
    {ok, [{M, F, A}]} = file:consult(?MAIN),
    stdin(),
    try apply(M, F, A) of
        _ -> halt(0)
    catch
        Class:Reason:Stack ->
            %% The program's frames only, not the launcher's and init's below them.
            Own = lists:takewhile(fun({Mod, _, _, _}) -> Mod =/= ?MODULE end, Stack),
            io:format(standard_error, "~s~n", [erl_error:format_exception(Class, Reason, Own)]),
            halt(1)
    end.

%% When the run started the runtime with -noinput (standard input is a file): the program's
%% standard_io takes its input from a file io server on /dev/stdin and gives its output (and
%% prompts) to the runtime's `user`. OTP 25's `user` answers each get_line or fread in list
%% mode by converting its whole buffer: 2*10^4 lines take 6 s of CPU there, 0.2 s here. The
%% group leader is inherited: processes the program spawns use it too. A pipe (an interactive
%% problem) stays with `user`: a file io server's read waits for a full buffer or the end.
stdin() ->
    case init:get_argument(noinput) =/= error andalso file:open("/dev/stdin", [read]) of
        {ok, In} ->
            Out = group_leader(),
            group_leader(spawn(fun() -> proxy(In, Out) end), self());
        _ ->
            ok
    end.

proxy(In, Out) ->
    receive
        {io_request, From, ReplyAs, Request} ->
            case kind(Request) of
                input ->
                    prompt(Out, Request),
                    In ! {io_request, From, ReplyAs, Request};
                output ->
                    Out ! {io_request, From, ReplyAs, Request};
                options ->
                    Reply = io:request(In, Request),
                    _ = io:request(Out, Request),
                    From ! {io_reply, ReplyAs, Reply}
            end;
        _ ->
            ok
    end,
    proxy(In, Out).

kind(getopts) -> input;
kind({setopts, _}) -> options;
kind({requests, Requests}) ->
    case lists:any(fun(R) -> kind(R) =:= input end, Requests) of
        true -> input;
        false -> output
    end;
kind(R) when is_tuple(R), (element(1, R) =:= get_chars orelse element(1, R) =:= get_line
                           orelse element(1, R) =:= get_until orelse element(1, R) =:= get_password) ->
    input;
kind(_) ->
    output.

%% A non-empty prompt is printed, as `user` prints it.
prompt(Out, Request) when is_tuple(Request), tuple_size(Request) >= 3 ->
    Prompt = case element(2, Request) of
                 Enc when Enc =:= latin1; Enc =:= unicode -> element(3, Request);
                 P -> P
             end,
    case Prompt of
        '' -> ok;
        [] -> ok;
        <<>> -> ok;
        _ -> catch io:request(Out, {put_chars, unicode, io_lib:format_prompt(Prompt, unicode)})
    end;
prompt(_, _) ->
    ok.
ERL
(cd "$src" && HOME=/tmp erlc -o "$dir" caged_erlang.erl)
rm -rf "$src"
chmod 0644 "$dir/caged_erlang.beam"
