#!/usr/bin/env bash
# Container end-to-end test: the kubevali image and two node images are built
# with buildah and run with podman the way a Pod runs them.
#
#   1. the kubevali image (FROM scratch) runs `--install /volume/kubevali` as a
#      non-root user on a read-only root filesystem with no capabilities, into
#      a volume that stands in for the Pod's emptyDir;
#   2. a busybox node image runs the copied binary as its entrypoint with a
#      bind-mounted config: dry run, the node's exit code, SIGTERM on stop;
#   3. a shell-less node image (one static binary, no /bin/sh) does the same.
#
# Usage: tests/e2e/run.sh   (normally through `make e2e`)
#
# Needs root, buildah, podman, runc and busybox-static. Missing tools are
# installed with apt when running as root; otherwise the test is skipped with
# a loud message, except under CI=true, where that is a failure. Once the
# tools are there it builds the static binary with `make static`.
#
# Nothing is left outside target/e2e: everything runs in a private mount
# namespace where /run is a fresh tmpfs and /etc and /var are overlays whose
# changes land in target/e2e/sandbox; containers get --network none (no
# network config, no iptables rules) and a cgroup parent of their own that is
# removed at the end; the image store is under target/e2e and deleted on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$ROOT/target/e2e
PACKAGES=(buildah podman runc busybox-static)

skip_or_fail() {
	local reason=$1
	if [ "${CI:-}" = true ]; then
		echo "e2e: FAILED: $reason (CI must not skip the container end-to-end test)" >&2
		exit 1
	fi
	cat >&2 <<-EOF

		###########################################################################
		#  e2e: SKIPPED: $reason
		#  The container end-to-end test did NOT run. Run \`make e2e\` as root
		#  (it installs: ${PACKAGES[*]}).
		###########################################################################

	EOF
	exit 0
}

static_busybox() {
	[ -x /bin/busybox ] && file -L /bin/busybox | grep -Eq 'statically linked|static-pie linked'
}

missing_tools() {
	local tool
	for tool in buildah podman runc unshare file; do
		command -v "$tool" >/dev/null || echo "$tool"
	done
	static_busybox || echo busybox-static
}

ensure_tools() {
	local missing
	missing=$(missing_tools)
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		skip_or_fail "missing tools ($(echo $missing)) and not root to install them"
	fi
	echo "e2e: installing ${PACKAGES[*]} with apt (missing: $(echo $missing))"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${PACKAGES[@]}" file util-linux >/dev/null
	missing=$(missing_tools)
	[ -z "$missing" ] || skip_or_fail "still missing after apt-get install: $(echo $missing)"
}

if [ "${1:-}" != --inside ]; then
	[ "$(id -u)" = 0 ] || skip_or_fail "podman and buildah need root here (rootful, private mount namespace)"
	ensure_tools
	make -C "$ROOT" --no-print-directory static
	exec unshare --mount --propagation private -- "$0" --inside \
		"$ROOT/target/x86_64-unknown-linux-musl/release/kubevali"
fi

# ---------------------------------------------------------------- inside ---
BIN=$2
SANDBOX=$WORK/sandbox
STORE=$WORK/store
LOGS=$WORK/logs
CGROUP_PARENT=/kubevali-e2e-$$

rm -rf "$WORK"
mkdir -p "$SANDBOX"/{etc,var}/{upper,work} "$STORE" "$LOGS"
mount -t tmpfs kubevali-e2e-run /run
mount -t overlay kubevali-e2e-etc -o "lowerdir=/etc,upperdir=$SANDBOX/etc/upper,workdir=$SANDBOX/etc/work" /etc
mount -t overlay kubevali-e2e-var -o "lowerdir=/var,upperdir=$SANDBOX/var/upper,workdir=$SANDBOX/var/work" /var

STORAGE=(--root "$STORE/root" --runroot "$STORE/runroot" --storage-driver vfs)
buildah() { command buildah "${STORAGE[@]}" "$@"; }
podman() {
	command podman "${STORAGE[@]}" --runtime runc --cgroup-manager cgroupfs \
		--events-backend file --tmpdir "$STORE/tmp" "$@"
}
RUN_FLAGS=(--network none --cgroup-parent "$CGROUP_PARENT" --log-driver k8s-file
	--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

cleanup() {
	local rc=$?
	podman rm --all --force --time 0 >/dev/null 2>&1 || true
	podman volume rm --all --force >/dev/null 2>&1 || true
	local dir
	for dir in /sys/fs/cgroup/*"$CGROUP_PARENT"; do
		[ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
	rm -rf "$STORE" "$SANDBOX"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASSED=0
FAILED=0
TIMINGS=()
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
timed() {
	local label=$1 start
	shift
	start=$(now)
	"$@"
	TIMINGS+=("$(printf '%-34s %6ss' "$label" "$(since "$start")")")
}

pass() { PASSED=$((PASSED + 1)); echo "  ok: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "  FAILED: $*" >&2; }
# check DESCRIPTION COMMAND...: one assertion, reported either way.
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
contains() { grep -qF -- "$2" "$1"; }
# The script's own text is in the "Starting node" line, so the node's output
# is matched as whole lines.
has_line() { grep -qxF -- "$2" "$1"; }
# show FILE...: prints captured output, indented, when an assertion needs it.
show() { local f; for f; do echo "    --- $(basename "$f")"; sed 's/^/    | /' "$f"; done; }

KUBEVALI_IMAGE=localhost/kubevali-e2e:test
NODE_IMAGE=localhost/kubevali-e2e-node:test
SHELLLESS_IMAGE=localhost/kubevali-e2e-shellless:test

build_images() {
	local ctx=$WORK/context
	mkdir -p "$ctx/kubevali" "$ctx/node/bin" "$ctx/shellless"
	cp "$BIN" "$ctx/kubevali/kubevali"
	cp /bin/busybox "$ctx/node/bin/busybox"
	local applet
	for applet in sh echo sleep cat ls kill true false; do
		ln -s busybox "$ctx/node/bin/$applet"
	done
	cp /bin/busybox "$ctx/shellless/busybox"
	buildah bud --quiet --isolation chroot --build-arg VERSION=e2e \
		-f "$ROOT/Containerfile" -t "$KUBEVALI_IMAGE" "$ctx/kubevali" >/dev/null
	buildah bud --quiet --isolation chroot -f "$HERE/node.Containerfile" \
		-t "$NODE_IMAGE" "$ctx/node" >/dev/null
	buildah bud --quiet --isolation chroot -f "$HERE/shellless.Containerfile" \
		-t "$SHELLLESS_IMAGE" "$ctx/shellless" >/dev/null
}

VOLUME=kubevali-e2e-bin

# The init container: the Pod spec's securityContext, mirrored.
init_container() {
	podman run --rm "${RUN_FLAGS[@]}" --user 65532:65532 --read-only --cap-drop all \
		--security-opt no-new-privileges "$@"
}

install_into_volume() {
	podman volume create "$VOLUME" >/dev/null
	# An emptyDir is world-writable; a fresh podman volume is root's 0755.
	chmod 0777 "$(podman volume inspect --format '{{.Mountpoint}}' "$VOLUME")"

	local rc=0
	init_container -v "$VOLUME:/volume" "$KUBEVALI_IMAGE" --install /volume/kubevali \
		>"$LOGS/install.out" 2>"$LOGS/install.err" || rc=$?
	check "--install into the volume exits 0" [ "$rc" = 0 ]
	check "--install logs where it installed" \
		contains "$LOGS/install.err" "Installed kubevali to /volume/kubevali"
	local listing
	listing=$(podman run --rm "${RUN_FLAGS[@]}" -v "$VOLUME:/volume:ro" --entrypoint /bin/ls \
		"$NODE_IMAGE" -ln /volume)
	check "the volume holds kubevali, mode 0755, owned by the init container's user" \
		grep -Eq '^-rwxr-xr-x +1 +65532 +65532 .* kubevali$' <<<"$listing"
	[ "$FAILED" = 0 ] || show "$LOGS/install.out" "$LOGS/install.err" <(echo "$listing")

	rc=0
	init_container -v "$VOLUME:/volume:ro" "$KUBEVALI_IMAGE" --install /volume/kubevali \
		>"$LOGS/install-ro.out" 2>"$LOGS/install-ro.err" || rc=$?
	check "--install onto a read-only volume exits 1" [ "$rc" = 1 ]
	check "... and says the file system is read-only" contains "$LOGS/install-ro.err" "Read-only file system"

	rc=0
	init_container -v "$VOLUME:/volume" "$KUBEVALI_IMAGE" --install /volume/missing/kubevali \
		>"$LOGS/install-missing.out" 2>"$LOGS/install-missing.err" || rc=$?
	check "--install into a missing directory exits 1" [ "$rc" = 1 ]
	check "... and says the directory does not exist" contains "$LOGS/install-missing.err" "does not exist"
	listing=$(podman run --rm "${RUN_FLAGS[@]}" -v "$VOLUME:/volume:ro" --entrypoint /bin/ls \
		"$NODE_IMAGE" -A /volume)
	check "failed installs left nothing in the volume" [ "$listing" = kubevali ]
}

# node_container IMAGE CONFIG [podman run options...] -- [kubevali args...]
node_container() {
	local image=$1 config=$2
	shift 2
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	podman run "${RUN_FLAGS[@]}" --hostname darwinia-2 --env HOSTNAME=darwinia-2 \
		-v "$VOLUME:/kubevali:ro" -v "$config:/config/kubevali.yaml:ro" \
		--entrypoint /kubevali/kubevali "${opts[@]}" "$image" \
		--config=/config/kubevali.yaml "$@"
}

# dry_run_printed FILE FIRST: stdout holds the one shell-quoted command (the
# script inside it spans lines): FIRST, then -c, and the rendered args last.
dry_run_printed() {
	local text
	text=$(cat "$1")
	[[ $text == "$2 -c "* && $text == *" node --port 30335" ]]
}

# run_node_checks NAME IMAGE CONFIG LOGGED PRINTED: the same checks for every
# node image; LOGGED and PRINTED are how the command's first words appear in
# the "Starting node" log line and in the shell-quoted dry-run output.
run_node_checks() {
	local name=$1 image=$2 config=$3 first=$4 printed=$5 rc out err

	out=$LOGS/$name-dry-run.out err=$LOGS/$name-dry-run.err rc=0
	node_container "$image" "$config" --rm -- --dry-run >"$out" 2>"$err" || rc=$?
	check "$name: --dry-run exits 0" [ "$rc" = 0 ]
	check "$name: --dry-run logs the Starting node line" \
		grep -qF "Starting node: $first \"-c\" " "$err"
	check "$name: ... with the rendered args for replica 2" \
		grep -qF '"node" "--port" "30335"' "$err"
	check "$name: --dry-run prints the shell-quoted command" \
		dry_run_printed "$out" "$printed"
	check "$name: --dry-run starts no node" bash -c "! grep -q '^node 2 starting' '$out' '$err'"
	[ "$rc" = 0 ] && grep -qF "Starting node: $first" "$err" || show "$out" "$err"

	out=$LOGS/$name-exit.out err=$LOGS/$name-exit.err rc=0
	node_container "$image" "$config" --rm --env NODE_EXIT=7 -- >"$out" 2>"$err" || rc=$?
	check "$name: the node ran as kubevali's child with the rendered args" \
		has_line "$out" "node 2 starting: --port 30335"
	check "$name: the node's exit code 7 comes back through kubevali" [ "$rc" = 7 ]
	[ "$rc" = 7 ] || show "$out" "$err"

	out=$LOGS/$name-killed.out err=$LOGS/$name-killed.err rc=0
	node_container "$image" "$config" --rm --env NODE_EXIT=KILL -- >"$out" 2>"$err" || rc=$?
	check "$name: a node killed by SIGKILL makes kubevali exit 128+9" [ "$rc" = 137 ]
	[ "$rc" = 137 ] || show "$out" "$err"

	local container=kubevali-e2e-$name
	node_container "$image" "$config" -d --name "$container" -- >/dev/null
	local ready=true
	wait_until_ready "$container" || ready=false
	check "$name: the node is up before the stop" [ "$ready" = true ]
	local start elapsed
	start=$(now)
	podman stop --time 10 "$container" >/dev/null
	elapsed=$(since "$start")
	podman logs "$container" >"$LOGS/$name-stop.out" 2>"$LOGS/$name-stop.err" || true
	rc=$(podman inspect --format '{{.State.ExitCode}}' "$container")
	podman rm --force "$container" >/dev/null
	check "$name: podman stop delivers SIGTERM to the node" \
		has_line "$LOGS/$name-stop.out" "node got SIGTERM"
	check "$name: ... which exits cleanly: container exit code 0" [ "$rc" = 0 ]
	# Only a node that was running can show that the stop was quick.
	check "$name: ... well before the 10 s kill (took ${elapsed}s)" \
		awk -v t="$elapsed" -v ready="$ready" 'BEGIN { exit !(ready == "true" && t < 5) }'
	has_line "$LOGS/$name-stop.out" "node got SIGTERM" && [ "$rc" = 0 ] ||
		show "$LOGS/$name-stop.out" "$LOGS/$name-stop.err"
	TIMINGS+=("$(printf '%-34s %6ss' "  $name: podman stop -t 10" "$elapsed")")
}

# wait_until_ready CONTAINER: true once the node logged "node ready"; false if
# the container stopped first or 20 s passed.
wait_until_ready() {
	local deadline=$((SECONDS + 20))
	until podman logs "$1" 2>/dev/null | grep -qx "node ready"; do
		[ "$(podman inspect --format '{{.State.Running}}' "$1")" = true ] || return 1
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

shellless_has_no_shell() {
	! podman run --rm "${RUN_FLAGS[@]}" --entrypoint /bin/sh "$SHELLLESS_IMAGE" -c true \
		>/dev/null 2>&1
}

echo "e2e: static binary $BIN ($(stat -c %s "$BIN") bytes)"
TOTAL_START=$(now)
timed "build 3 images (buildah)" build_images
echo "e2e: init container (--install)"
timed "install into a volume (3 runs)" install_into_volume
echo "e2e: busybox node image"
timed "busybox node image" run_node_checks busybox "$NODE_IMAGE" "$HERE/kubevali.yaml" \
	'"sh"' sh
echo "e2e: shell-less node image"
check "shell-less: the image really has no /bin/sh" shellless_has_no_shell
timed "shell-less node image" run_node_checks shell-less "$SHELLLESS_IMAGE" \
	"$HERE/kubevali-shellless.yaml" '"/busybox" "sh"' "/busybox sh"
TIMINGS+=("$(printf '%-34s %6ss' "total (without cleanup)" "$(since "$TOTAL_START")")")

echo "e2e timings:"
printf '  %s\n' "${TIMINGS[@]}"
echo "e2e: logs in ${LOGS#"$ROOT"/}"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
