#!/bin/sh
# The image's entrypoint: sizes V8's heap from the container's memory limit, then runs the command.
#
# V8 sizes its heap from the memory it is told the machine has, which in a pod is not the pod's
# limit on every kernel, cgroup version and Node release. Past the limit the kernel kills the
# process without a word; past the heap limit V8 collects harder first, and only then stops with
# "JavaScript heap out of memory" in the log. So a `node …` command gets
# --max-old-space-size = 60% of the limit (512Mi: 307 MiB), leaving the rest for the young
# generation, code, Buffers, SQLite's page cache and compression.
#
# And --max-semi-space-size = 1/16 of the limit, at most 64 MiB (512Mi: 32 MiB), when that is
# above V8's own 16 MiB. A burst of watch events allocates about 5 KB per change, most of it dead
# within a few thousand changes; with 16 MiB semi-spaces V8 scavenges every 3,000–4,000 changes,
# copying what is still alive each time and pausing the event loop 5–14 ms while the watch's
# socket fills. Twice the space halves the scavenges and lets more die young (bench/README.md, the
# audit rows). The young generation can grow to three semi-spaces: 96 MiB in the 512Mi pod, which
# with the 307 MiB old space leaves about 110 MiB for the rest. It grows only under allocation:
# an idle server's stays small.
#
# The limit is read from cgroup v2 (memory.max) or v1 (memory/memory.limit_in_bytes); with no
# limit ("max", or v1's ~2^63) nothing is added; a size NODE_OPTIONS or the command already sets
# is left alone.
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
semi=""
case "$limit" in
  '' | *[!0-9]*) ;; # absent or "max": no limit
  *)
    # At or above 1 TiB is v1's way of saying "no limit" (LONG_MAX rounded to pages).
    if [ "${#limit}" -le 13 ] && [ "$limit" -lt 1099511627776 ]; then
      heap=$((limit / 1048576 * 60 / 100))
      semi=$((limit / 1048576 / 16))
      if [ "$semi" -gt 64 ]; then semi=64; fi
      if [ "$semi" -le 16 ]; then semi=""; fi
    fi
    ;;
esac

case " ${NODE_OPTIONS:-} $* " in
  *--max-old-space-size* | *--max_old_space_size*) heap="" ;;
esac
case " ${NODE_OPTIONS:-} $* " in
  *--max-semi-space-size* | *--max_semi_space_size*) semi="" ;;
esac

if [ "${1:-}" = node ]; then
  shift
  if [ -n "$semi" ]; then set -- "--max-semi-space-size=$semi" "$@"; fi
  if [ -n "$heap" ]; then set -- "--max-old-space-size=$heap" "$@"; fi
  exec node "$@"
fi
exec "$@"
