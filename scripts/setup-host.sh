#!/usr/bin/env bash
# Host prerequisites for caged on Debian/Ubuntu: a C compiler (the native launcher is built
# from source), debootstrap (the Debian image recipe), a running Redis for the worker and its
# tests (redis-server; redis-tools for redis-cli, with which test/queue-cluster.test.ts also
# builds a Redis Cluster), Chromium (test/grade-html.test.ts renders the HTML report in it), and
# newuidmap/newgidmap (uidmap: a rootless worker's user namespace). Idempotent; needs root.
#
#   scripts/setup-host.sh --user NAME   also prepares NAME to run a rootless worker (docs/rootless.md):
#     subordinate uids/gids (usermod --add-subuids/--add-subgids) unless NAME has some; on a
#     cgroup v1 host, <controller>/caged-NAME under memory, pids, cpuacct, cpu, blkio (disk caps:
#     CAGED_DISK_MB_PER_S) and cpuset (with the root's CPUs and memory nodes, for CAGED_CPUS), owned by NAME;
#     and NAME's device slots /var/lib/caged/devices/NAME/<0..255>/{null,zero,full,random,urandom}
#     (a user namespace cannot make device nodes; each living container binds a slot of its own);
#     and NAME's job directories' tmpfs /var/lib/caged/jobs/NAME, of CAGED_ROOTLESS_JOBS_MB MiB
#     (default: half the memory, a tmpfs's own): its size caps what all of NAME's boxes write on
#     the host together, as root's worker caps each job with a tmpfs of its own.
set -euo pipefail
user=""
while [ $# -gt 0 ]; do
  case "$1" in
    --user) user="${2:?--user needs a user name}"; shift 2 ;;
    *) echo "setup-host: unknown argument $1 (usage: setup-host.sh [--user NAME])" >&2; exit 2 ;;
  esac
done
need=()
command -v newuidmap >/dev/null || need+=(uidmap)
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
if [ -n "$user" ]; then
  id "$user" >/dev/null 2>&1 || { echo "setup-host: no user $user" >&2; exit 1; }
  # Subordinate ids: one per box running at once; 65536 after every range already granted.
  for kind in uid gid; do
    if ! grep -qE "^($user|$(id -u "$user")):[0-9]+:[0-9]+$" "/etc/sub$kind" 2>/dev/null; then
      start=$(awk -F: 'BEGIN { m = 100000 } NF == 3 && $2 + $3 > m { m = $2 + $3 } END { print m }' /etc/subuid /etc/subgid 2>/dev/null)
      usermod "--add-sub${kind}s" "$start-$((start + 65535))" "$user"
      echo "setup-host: $user: sub${kind}s $start-$((start + 65535))"
    fi
  done
  # cgroup v1: a subtree per controller for the user (v2: delegation is systemd's Delegate=yes).
  while read -r _ mnt fstype opts _; do
    [ "$fstype" = cgroup ] || continue
    case ",$opts," in *,memory,* | *,pids,* | *,cpuacct,* | *,cpu,* | *,blkio,* | *,cpuset,*) ;; *) continue ;; esac
    dir="$mnt/caged-$user"
    mkdir -p "$dir"
    # A v1 cpuset takes no process before it has CPUs and memory nodes, which only root may give
    # the user's directory; the worker's own groups below it (one per CPU list) are its to set.
    case ",$opts," in
      *,cpuset,*)
        for f in cpuset.cpus cpuset.mems; do
          [ -n "$(cat "$dir/$f")" ] || cat "$mnt/$f" > "$dir/$f"
        done ;;
    esac
    chown "$user:" "$dir" "$dir/cgroup.procs" "$dir/tasks" "$dir/cgroup.clone_children" 2>/dev/null || chown "$user:" "$dir" "$dir/cgroup.procs"
    # The worker reclaims the page cache its removed leaves left charged (src/cgroup/memcg-ids.ts).
    case ",$opts," in *,memory,*) chown "$user:" "$dir/memory.force_empty" ;; esac
    echo "setup-host: cgroup v1 $dir delegated to $user"
  done < /proc/self/mounts
  if grep -q " /sys/fs/cgroup cgroup2 " /proc/self/mounts; then
    echo "setup-host: cgroup v2: start $user's worker in a delegated cgroup, e.g. systemd-run --user --scope -p Delegate=yes caged worker"
  fi
  # Device slots: the box's /dev nodes, one set per container alive at once.
  # A tmpfs of its own: a box's mountinfo shows a bound node by its path in that filesystem
  # (/<slot>/null), never a host path. It does not survive a reboot: run this again after one.
  pool="/var/lib/caged/devices/$user"
  mkdir -p "$pool"
  chmod 0755 /var/lib/caged /var/lib/caged/devices
  if ! mountpoint -q "$pool"; then
    mount -t tmpfs -o size=64k,nr_inodes=2048,mode=0755,nosuid,noexec caged-devices "$pool"
  fi
  for slot in $(seq 0 255); do
    [ -c "$pool/$slot/urandom" ] && continue
    mkdir -p "$pool/$slot"
    [ -c "$pool/$slot/null" ] || mknod -m 0666 "$pool/$slot/null" c 1 3
    [ -c "$pool/$slot/zero" ] || mknod -m 0666 "$pool/$slot/zero" c 1 5
    [ -c "$pool/$slot/full" ] || mknod -m 0666 "$pool/$slot/full" c 1 7
    [ -c "$pool/$slot/random" ] || mknod -m 0666 "$pool/$slot/random" c 1 8
    [ -c "$pool/$slot/urandom" ] || mknod -m 0666 "$pool/$slot/urandom" c 1 9
  done
  echo "setup-host: $user: 256 device slots in $pool"
  # Job directories: a tmpfs owned by the user, whose size caps what its compiles write on the
  # host (a user namespace cannot mount one per job). It does not survive a reboot either.
  jobs="/var/lib/caged/jobs/$user"
  # Its size: CAGED_ROOTLESS_JOBS_MB, else a tmpfs's own default, half the memory (a job of
  # CAGED_ROOTFS=extract unpacks its language's image layers there too).
  size=""
  if [ -n "${CAGED_ROOTLESS_JOBS_MB:-}" ]; then
    case "$CAGED_ROOTLESS_JOBS_MB" in *[!0-9]*) echo "setup-host: CAGED_ROOTLESS_JOBS_MB must be a number of MiB (got $CAGED_ROOTLESS_JOBS_MB)" >&2; exit 2 ;; esac
    size="size=${CAGED_ROOTLESS_JOBS_MB}m,"
  fi
  mkdir -p "$jobs"
  chmod 0755 /var/lib/caged/jobs
  if ! mountpoint -q "$jobs"; then
    mount -t tmpfs -o "${size}mode=0755,uid=$(id -u "$user"),gid=$(id -g "$user"),nosuid,nodev" caged-jobs "$jobs"
  fi
  echo "setup-host: $user: job directories on a tmpfs at $jobs ($(df -m --output=size "$jobs" | tail -1 | tr -d ' ') MiB)"
fi
echo "setup-host: ok"
