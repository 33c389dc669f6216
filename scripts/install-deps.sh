#!/usr/bin/env bash
# Installs the Debian 12 packages ferrite needs to build, test, fuzz and benchmark.
# Idempotent: only missing packages are fetched, so `make test` can call it every time.
set -euo pipefail

# `install-deps.sh build` installs only what building the server needs (make run).
build_packages=(
    gcc make
    libjemalloc-dev          # allocator: low fragmentation, exact usable sizes for INFO memory
    libedit-dev              # ferrite-cli's line editing and history: BSD licence, readline API
)
packages=(
    "${build_packages[@]}"
    libcmocka-dev            # C unit tests
    clang libclang-rt-14-dev # libFuzzer and sanitizer runtimes
    python3 python3-pytest python3-redis  # integration tests drive the server through redis-py
    redis-tools              # redis-cli and redis-benchmark: real clients for tests and bench
    redis-server             # reference server: the integration suite must pass against it too
    util-linux               # taskset for pinned benchmarks
    tmux                     # drives ferrite-cli's interactive mode in a real terminal in tests
    valgrind                 # ferrite-cli's leak check in the integration tests
)


if [ "${1:-}" = "build" ]; then
    packages=("${build_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps the redis-server package from starting a daemon on port 6379.
own_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    own_policy=1
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}"
[ "$own_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
exit 0
