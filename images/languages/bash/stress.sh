# Stress of Bash: an associative array of 10 000 keys, a loop, a recursion 50 deep (each level a subshell). Prints OK.
declare -A h
for ((i = 0; i < 10000; i++)); do h[$i]=$((i * 2)); done
depth() { if (($1 == 0)); then echo 0; else echo $(($(depth $(($1 - 1))) + 1)); fi; }
sum=0
for ((i = 0; i < 100000; i++)); do sum=$((sum + i)); done
if [ "${#h[@]}" = 10000 ] && [ "$sum" = 4999950000 ] && [ "$(depth 50)" = 50 ]; then echo OK; else echo FAIL; fi
