# kubevali — the two commands a user needs are `make dry-run` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
BIN := target/release/kubevali

.PHONY: build dry-run test lint unit bench

build:
	$(CARGO) build --release --locked

# Render the bundled example as replica 2 of a StatefulSet would, start nothing.
dry-run: build
	HOSTNAME=sts-pod-2 $(BIN) --config examples/kubevali.yaml --dry-run

# Every test: formatting, lints, unit and integration tests.
test: lint unit

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

unit:
	$(CARGO) test --all-targets --locked

# Log pass-through against cat, and the zero-copy path against the producer
# alone (1 GiB, alternating pairs; see docs/performance.md). Not a test.
bench: build
	python3 tests/bench/bench.py --bin $(BIN)
