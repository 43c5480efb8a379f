#!/usr/bin/env bash
# tools/package end to end on this machine: builds the .deb from the tested binaries, installs it
# with dpkg -i, checks what it installed, starts roomd from /usr/bin the way the unit does (its
# ExecStart line, as user roomd via setpriv, no capabilities, NoNewPrivileges, a temp
# StateDirectory), checks /health, / and roomctl as roomd, then dpkg -r and --purge and checks
# that nothing is left but the data kept on purpose (/var/lib/roomd, the roomd user).
# Usage: package_test.sh BIN_DIR. Needs root (dpkg -i); exit 77 (skipped) otherwise.
set -euo pipefail
bin_dir=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
unit=/lib/systemd/system/roomd.service

[ "$(id -u)" -eq 0 ] || { echo "package_test: needs root for dpkg -i; skipped"; exit 77; }
command -v dpkg-deb >/dev/null || { echo "package_test: no dpkg-deb; skipped"; exit 77; }
if dpkg-query -W -f='${Status}' interview-rooms 2>/dev/null | grep -q "ok installed"; then
  echo "package_test: interview-rooms is already installed here; not touching it" >&2
  exit 1
fi

fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
chmod 0755 "$tmp"  # roomd (user roomd) must reach its state dir inside
had_user=0; getent passwd roomd >/dev/null && had_user=1
had_state=0; [ -e /var/lib/roomd ] && had_state=1
roomd_pid=""
cleanup() {
  [ -n "$roomd_pid" ] && kill "$roomd_pid" 2>/dev/null && wait "$roomd_pid" 2>/dev/null
  dpkg-query -W interview-rooms >/dev/null 2>&1 && dpkg --purge interview-rooms >/dev/null 2>&1
  [ "$had_state" -eq 0 ] && rm -rf /var/lib/roomd
  [ "$had_user" -eq 0 ] && getent passwd roomd >/dev/null && userdel roomd 2>/dev/null
  [ "$had_user" -eq 0 ] && getent group roomd >/dev/null && groupdel roomd 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

deb=$("$top/tools/package" --bin-dir "$bin_dir" --out "$tmp" --fast | tail -1)
[ -f "$deb" ] || fail "tools/package made no .deb"
version=$(sed -nE 's/^project\(interview_rooms VERSION ([0-9.]+).*/\1/p' "$top/CMakeLists.txt")
[ "$(basename "$deb")" = "interview-rooms_${version}_amd64.deb" ] || fail "named $(basename "$deb")"
dpkg-deb -f "$deb" Depends | grep -q "libcaf-core" || fail "Depends lacks libcaf-core (CAF): $(dpkg-deb -f "$deb" Depends)"
echo "package_test: $(basename "$deb") $(du -h "$deb" | cut -f1)"

dpkg -i "$deb" >/dev/null || fail "dpkg -i"
for f in /usr/bin/roomd /usr/bin/roomctl /usr/share/interview-rooms/web/index.html \
         /usr/share/interview-rooms/questions/starter/two-sum.md "$unit" /etc/roomd/roomd.conf; do
  [ -e "$f" ] || fail "$f not installed"
done
getent passwd roomd >/dev/null || fail "postinst made no roomd user"
[ "$(stat -c %U /var/lib/roomd/backups)" = roomd ] || fail "/var/lib/roomd/backups not roomd's"
dpkg-query -W -f='${Conffiles}' interview-rooms | grep -q /etc/roomd/roomd.conf ||
  fail "roomd.conf is not a conffile"
if grep -Ev '^[[:space:]]*(#|$)' /etc/roomd/roomd.conf; then fail "roomd.conf has active keys"; fi

# The unit: the hardening the docs promise, and systemd's own check where it can run.
for line in User=roomd StateDirectory=roomd ProtectSystem=strict NoNewPrivileges=yes \
            CapabilityBoundingSet= "RestrictNamespaces=user pid net mnt ipc uts cgroup"; do
  grep -qx "$line" "$unit" || fail "the unit lacks $line"
done
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $out"
  echo "package_test: systemd-analyze verify ok${out:+ ($out)}"
fi

# Start it as the unit does: ExecStart as user roomd, no capabilities, no new privileges, in a
# fresh StateDirectory (systemd would create and chown it), plus an ephemeral port.
state="$tmp/state"
install -d -o roomd -g roomd -m 0750 "$state"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
cmd=${exec_start//'${STATE_DIRECTORY}'/$state}
# shellcheck disable=SC2086 # the ExecStart line is split into words, as systemd does
(cd "$state" && exec env -i PATH=/usr/bin:/bin STATE_DIRECTORY="$state" \
   ASAN_OPTIONS=detect_leaks=0 \
   setpriv --reuid roomd --regid roomd --init-groups --no-new-privs \
     --bounding-set -all --inh-caps -all \
     $cmd --listen 127.0.0.1:0 --port-file "$state/port" 2> "$tmp/roomd.log") &
roomd_pid=$!
for _ in $(seq 1 600); do
  [ -s "$state/port" ] && break
  kill -0 "$roomd_pid" 2>/dev/null || { cat "$tmp/roomd.log" >&2; fail "roomd exited"; }
  sleep 0.1
done
[ -s "$state/port" ] || { cat "$tmp/roomd.log" >&2; fail "roomd did not listen within 60 s"; }
url="http://127.0.0.1:$(cat "$state/port")"
curl -sf "$url/health" | grep -q '"status":"ok"' || fail "/health"
curl -sf "$url/" | grep -qi "<html" || fail "/ is not the web app"
[ "$(stat -c %U "$state/data/CURRENT")" = roomd ] || fail "the data dir is not roomd's"
[ "$(stat -c %a "$state/data/admin.token")" = 600 ] || fail "admin.token is not 0600"
runuser -u roomd -- /usr/bin/roomctl --server "$url" --data-dir "$state/data" --json stats \
  | grep -q '"roomsLive"' || fail "roomctl as roomd (token from the data dir)"
grep -E "runner local|sandbox" "$tmp/roomd.log" | sed 's/^/package_test: roomd as roomd: /' || true
kill -TERM "$roomd_pid"
rc=0; wait "$roomd_pid" || rc=$?
roomd_pid=""
[ "$rc" -eq 0 ] || { cat "$tmp/roomd.log" >&2; fail "roomd exited $rc on SIGTERM"; }

# Remove keeps the conffile; purge takes it; nothing of the package is left but the kept data.
files=$(dpkg -L interview-rooms)
dpkg -r interview-rooms >/dev/null || fail "dpkg -r"
[ ! -e /usr/bin/roomd ] || fail "dpkg -r left /usr/bin/roomd"
[ -e /etc/roomd/roomd.conf ] || fail "dpkg -r removed the conffile"
dpkg --purge interview-rooms >/dev/null 2>&1 || fail "dpkg --purge"
left=()
while read -r f; do
  [ -z "$f" ] && continue
  [ -e "$f" ] && [ ! -d "$f" ] && left+=("$f")
done <<< "$files"
for d in /etc/roomd /usr/share/interview-rooms /usr/share/doc/interview-rooms; do
  [ -e "$d" ] && left+=("$d")
done
[ ${#left[@]} -eq 0 ] || fail "left after purge: ${left[*]}"
[ -d /var/lib/roomd ] || fail "purge removed /var/lib/roomd (the data is kept on purpose)"
echo "package_test: ok"
