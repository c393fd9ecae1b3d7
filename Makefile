# kubevali — the two commands a user needs are `make dry-run` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
BIN := target/release/kubevali

.PHONY: build dry-run test lint unit oracle-deps prometheus-deps bench static image e2e manifests

build:
	$(CARGO) build --release --locked

# Render the bundled example as replica 2 of a StatefulSet would, start nothing.
dry-run: build
	HOSTNAME=sts-pod-2 $(BIN) --config examples/kubevali.yaml --dry-run

# Every test: formatting, lints, unit and integration tests, the manifests,
# and the container end-to-end test (needs root; see tests/e2e/run.sh).
test: lint unit manifests e2e

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

# Run as a child subreaper: whatever a test leaves running (kubevali, a
# node, anything a node started) ends up as the script's child, is named,
# killed, and fails the run.
unit: oracle-deps prometheus-deps
	python3 tests/no_leftovers.py $(CARGO) test --all-targets --locked

# The template engine's differential test runs Go 1.19 with sprig 3.2.3, from
# Debian's packages. Without root it is skipped (loudly) instead.
oracle-deps:
	@if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/github.com/Masterminds/sprig ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq golang-go golang-github-masterminds-sprig-dev >/dev/null; \
		else echo "warning: go or sprig missing; the differential template test will be skipped" >&2; fi; \
	fi

# tests/health.rs checks a real scrape with promtool and has a real Prometheus
# server scrape kubevali; both come in Debian's prometheus package. Without
# root they are skipped (loudly), except under CI=true, where they fail.
prometheus-deps:
	@if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq prometheus >/dev/null; \
		else echo "warning: promtool or prometheus missing; the metrics tests against them will be skipped" >&2; fi; \
	fi

# Log pass-through against cat, and the zero-copy path against the producer
# alone (1 GiB, alternating pairs; see docs/performance.md). Not a test.
bench: build
	$(CARGO) bench --locked --bench render
	python3 tests/bench/bench.py --bin $(BIN)

# --- Shipping: static binary, image, manifests, container end-to-end test ---
MUSL_TARGET := x86_64-unknown-linux-musl
STATIC_BIN := target/$(MUSL_TARGET)/release/kubevali
# Stripped size budget for the static binary, in bytes (2.7 MB).
STATIC_MAX_BYTES := 2700000
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
IMAGE ?= localhost/kubevali:$(VERSION)
# Installs Debian packages when running as root; otherwise says what is missing.
APT_INSTALL = if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
	else echo "error: missing $(1); install it (apt-get install $(1)) or run as root" >&2; exit 1; fi

# A fully static musl binary. ring compiles C, which needs musl's gcc wrapper.
# Non-PIE (relocation-model=static): the binary is ~100 KB smaller without
# its dynamic relocations, and file(1) reports it as "statically linked"; the
# price is that the kernel loads it at a fixed address (no ASLR for the image).
static: export CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS = -C relocation-model=static
static:
	@if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx $(MUSL_TARGET); then \
		rustup target add $(MUSL_TARGET); fi
	@command -v musl-gcc >/dev/null || { $(call APT_INSTALL,musl-tools); }
	CC_x86_64_unknown_linux_musl=musl-gcc $(CARGO) build --release --locked --target $(MUSL_TARGET)
	@file -L $(STATIC_BIN)
	@file -L $(STATIC_BIN) | grep -q 'statically linked' || { echo "error: $(STATIC_BIN) is not statically linked" >&2; exit 1; }
	@size=$$(stat -c %s $(STATIC_BIN)); \
	echo "static binary: $(STATIC_BIN): $$size bytes ($$((size / 1024)) KiB; budget $(STATIC_MAX_BYTES) bytes)"; \
	[ $$size -le $(STATIC_MAX_BYTES) ] || { echo "error: static binary is over its size budget" >&2; exit 1; }

# The FROM-scratch image, built from the static binary without pulling anything;
# also saved as an OCI archive under target/ for loading or pushing elsewhere.
image: static
	@command -v buildah >/dev/null || { $(call APT_INSTALL,buildah runc); }
	rm -rf target/image && mkdir -p target/image && cp $(STATIC_BIN) target/image/kubevali
	buildah bud --isolation chroot --build-arg VERSION=$(VERSION) -f Containerfile -t $(IMAGE) target/image
	rm -f target/kubevali-image.oci.tar
	buildah push $(IMAGE) oci-archive:target/kubevali-image.oci.tar:$(IMAGE)
	@echo "image: $(IMAGE) (OCI archive target/kubevali-image.oci.tar, $$(stat -c %s target/kubevali-image.oci.tar) bytes)"

# Renders the example overlay and validates every object against the
# Kubernetes 1.30 schemas, rejecting unknown fields.
manifests:
	deploy/validate.sh

# Builds the static binary and the images (buildah) and runs them (podman):
# --install into a volume, the node as kubevali's child, exit codes, SIGTERM
# on stop. Skipped loudly without root, except under CI=true.
e2e:
	tests/e2e/run.sh
