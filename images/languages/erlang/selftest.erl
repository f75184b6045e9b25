%% Kattis' convention: a module whose start/0 the judge calls.
-module(hello).
-export([start/0]).

start() -> io:format("OK~n").
