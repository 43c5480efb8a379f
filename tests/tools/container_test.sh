#!/usr/bin/env bash
# packaging/Containerfile with Debian's podman: builds a Debian 12 base image with mmdebstrap
# (no container registry is reachable here; apt is), builds the image from the .deb, runs it,
# checks /health and /, and removes the images. Several minutes (apt downloads), so it runs
# only with ROOMS_PACKAGE_TESTS=1 (tools/test --package); exit 77 (skipped) otherwise, when not
# root, or without podman/mmdebstrap.
# Usage: container_test.sh BIN_DIR
set -euo pipefail
bin_dir=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
[ "${ROOMS_PACKAGE_TESTS:-0}" = 1 ] || { echo "container_test: set ROOMS_PACKAGE_TESTS=1 (tools/test --package); skipped"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "container_test: needs root; skipped"; exit 77; }
for t in podman mmdebstrap; do
  command -v "$t" >/dev/null || { echo "container_test: no $t; skipped"; exit 77; }
done
fail() { echo "container_test: FAIL: $*" >&2; exit 1; }

tmp=$(mktemp -d)
runtime=()
base=localhost/rooms-test-base:bookworm
image=localhost/interview-rooms-test:latest
name=rooms-test-$$
cleanup() {
  podman "${runtime[@]}" rm -f "$name" >/dev/null 2>&1 || true
  podman rmi -f "$image" >/dev/null 2>&1 || true
  [ "${ROOMS_KEEP_BASE_IMAGE:-0}" = 1 ] || podman rmi -f "$base" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$top/tools/package" --bin-dir "$bin_dir" --out "$tmp" --fast >/dev/null
if ! podman image exists "$base"; then
  mmdebstrap --variant=apt --quiet bookworm - \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" |
    podman import - "$base" >/dev/null || fail "making the base image with mmdebstrap"
fi
# This test machine is a VM with hybrid cgroups (v1 + an empty v2) and a nofile hard limit below
# podman's default: crun refuses hybrid cgroups and every runtime refuses to raise rlimits. So
# RUN steps use chroot isolation, the container runs on runc (which handles cgroup v1), with
# this host's own hard limits. On an ordinary host the plain commands work too.
podman build --isolation chroot --network host --build-arg BASE="$base" -f "$top/packaging/Containerfile" \
  -t "$image" "$tmp" > "$tmp/build.log" 2>&1 || { tail -30 "$tmp/build.log" >&2; fail "podman build"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
runtime=(); command -v runc >/dev/null && runtime=(--runtime runc)
limits=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=32768:32768")
podman "${runtime[@]}" run -d "${limits[@]}" --name "$name" --network host -e ROOMD_LISTEN="127.0.0.1:$port" \
  -e ASAN_OPTIONS=detect_leaks=0 "$image" --runner none >/dev/null || fail "podman run"
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  [ "$(podman inspect -f '{{.State.Running}}' "$name")" = true ] || { podman logs "$name" >&2; fail "the container exited"; }
  sleep 0.2
done
curl -sf "http://127.0.0.1:$port/health" | grep -q '"status":"ok"' || { podman logs "$name" >&2; fail "/health"; }
curl -sf "http://127.0.0.1:$port/" | grep -qi "<html" || fail "/ is not the web app"
[ "$(podman "${runtime[@]}" exec "$name" id -un)" = roomd ] || fail "the container does not run as roomd"
podman "${runtime[@]}" stop -t 20 "$name" >/dev/null
[ "$(podman inspect -f '{{.State.ExitCode}}' "$name")" = 0 ] || { podman logs "$name" >&2; fail "roomd did not exit 0 on SIGTERM"; }
echo "container_test: ok"
