#!/bin/sh
# The image's entrypoint: sizes V8's heap from the container's memory limit, then runs the command.
#
# V8 sizes its heap from the memory it is told the machine has, which in a pod is not the pod's
# limit on every kernel, cgroup version and Node release. Past the limit the kernel kills the
# process without a word; past the heap limit V8 collects harder first, and only then stops with
# "JavaScript heap out of memory" in the log. So a `node …` command gets
# --max-old-space-size = 60% of the limit (512Mi: 307 MiB), leaving the rest for the young
# generation, code, Buffers, SQLite's page cache and compression. The limit is read from cgroup v2
# (memory.max) or v1 (memory/memory.limit_in_bytes); with no limit ("max", or v1's ~2^63), or
# when NODE_OPTIONS or the command already sets --max-old-space-size, nothing is added.
# CGROUP_ROOT (default /sys/fs/cgroup) is where the files are read; tests point it elsewhere.
set -eu

root="${CGROUP_ROOT:-/sys/fs/cgroup}"
limit=""
if [ -r "$root/memory.max" ]; then
  limit=$(cat "$root/memory.max")
elif [ -r "$root/memory/memory.limit_in_bytes" ]; then
  limit=$(cat "$root/memory/memory.limit_in_bytes")
fi

heap=""
case "$limit" in
  '' | *[!0-9]*) ;; # absent or "max": no limit
  *)
    # At or above 1 TiB is v1's way of saying "no limit" (LONG_MAX rounded to pages).
    if [ "${#limit}" -le 13 ] && [ "$limit" -lt 1099511627776 ]; then
      heap=$((limit / 1048576 * 60 / 100))
    fi
    ;;
esac

case " ${NODE_OPTIONS:-} $* " in
  *--max-old-space-size* | *--max_old_space_size*) heap="" ;;
esac

if [ "${1:-}" = node ] && [ -n "$heap" ]; then
  shift
  exec node "--max-old-space-size=$heap" "$@"
fi
exec "$@"
