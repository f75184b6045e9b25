#!/usr/bin/env bash
# Host prerequisites for caged on Debian/Ubuntu: a C compiler (the native launcher is built
# from source), debootstrap (the Debian image recipe), a running Redis for the worker and its
# tests (redis-server; redis-tools for redis-cli, with which test/queue-cluster.test.ts also
# builds a Redis Cluster), and Chromium (test/grade-html.test.ts renders the HTML report in it).
# Idempotent; needs root.
set -euo pipefail
need=()
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-host: installing ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "setup-host: starting redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 50); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
# cgroups: caged moves each container's init into its cgroup once. The kernel makes such a move
# wait for an RCU grace period (~1 ms) unless the cgroup2 hierarchy is mounted with
# favordynmods (Linux >= 6.0; it makes fork and exit take a plain lock instead). It is a
# property of the kernel, not of one hierarchy, so the cgroup2 mount of a hybrid (v1) host does
# it too. The mount's other options are kept. A kernel without the option is left as it is.
while read -r _ _ _ _ mnt _ rest; do
  fstype=${rest#*- }; fstype=${fstype%% *}
  [ "$fstype" = cgroup2 ] || continue
  super=${rest##* }
  case ",$super," in *,favordynmods,*) continue ;; esac
  if mount -o "remount,$super,favordynmods" "$mnt" 2>/dev/null; then
    echo "setup-host: cgroup2 at $mnt remounted with favordynmods"
  else
    echo "setup-host: cgroup2 at $mnt: favordynmods not available (older kernel); cgroup moves stay slower"
  fi
done < /proc/self/mountinfo
echo "setup-host: ok"
