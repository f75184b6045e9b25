%% Stress of Erlang: a list of 2*10^5 sorted, a map and an array of 10^5, a non-tail recursion
%% 10^6 deep, 1000 processes passing a token around a ring, a binary built from 10^5 parts.
%% Prints OK.
-module(stress).
-export([main/0]).

depth(0) -> 0;
depth(N) -> depth(N - 1) + 1.

ring(N) ->
    Self = self(),
    First = lists:foldl(fun(_, Next) -> spawn(fun() -> relay(Next) end) end, Self, lists:seq(1, N)),
    First ! {token, 0},
    receive {token, Hops} -> Hops end.

relay(Next) ->
    receive {token, H} -> Next ! {token, H + 1} end.

sorted([A, B | T]) when A =< B -> sorted([B | T]);
sorted([_, _ | _]) -> false;
sorted(_) -> true.

main() ->
    L = [(I * 7919) rem 1000003 || I <- lists:seq(1, 200000)],
    S = lists:sort(L),
    M = maps:from_list([{I, I * I} || I <- lists:seq(1, 100000)]),
    A = lists:foldl(fun(I, Acc) -> array:set(I, I + 1, Acc) end, array:new(100000), lists:seq(0, 99999)),
    Bin = iolist_to_binary([integer_to_binary(I) || I <- lists:seq(1, 100000)]),
    Ok = sorted(S) andalso length(S) =:= 200000
        andalso maps:get(99999, M) =:= 99999 * 99999
        andalso array:get(99999, A) =:= 100000
        andalso byte_size(Bin) =:= 488895
        andalso depth(1000000) =:= 1000000
        andalso ring(1000) =:= 1000,
    io:format("~s~n", [case Ok of true -> "OK"; false -> "FAIL" end]).
