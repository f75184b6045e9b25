# Stress of a multi-file program's run script: every toolchain of its layers answers from the sandbox
# (the stack of layer chains: buildtools over gcc, and python3, jdk, nodejs, golang, rust, ruby,
# php, perl), then a Bash loop. Prints OK, or names on stderr what failed.
fail=0
check() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; fail=1; }; }
check gcc --version
check g++ --version
check make --version
check cmake --version
check java -version
check go version
check rustc --version
[ "$(python3 -c 'print(6 * 7)')" = 42 ] || { echo 'failed: python3' >&2; fail=1; }
[ "$(node -e 'console.log(6 * 7)')" = 42 ] || { echo 'failed: node' >&2; fail=1; }
[ "$(ruby -e 'puts 6 * 7')" = 42 ] || { echo 'failed: ruby' >&2; fail=1; }
[ "$(php -r 'echo 6 * 7;')" = 42 ] || { echo 'failed: php' >&2; fail=1; }
[ "$(perl -e 'print 6 * 7')" = 42 ] || { echo 'failed: perl' >&2; fail=1; }
sum=0
for ((i = 0; i < 20000; i++)); do sum=$((sum + i)); done
[ "$sum" = 199990000 ] || fail=1
[ "$fail" = 0 ] && echo OK
