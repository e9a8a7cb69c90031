#!/usr/bin/env bash
# Build the hermes container image: a static binary (CGO off, trimmed
# paths) in a context with CA certificates and a non-root user, then the
# image from ./Containerfile with buildah, podman or docker — the first one
# present. With HERMES_IMAGE_TOOL=none (or none present) only the context
# is built; its path is printed.
#
#   scripts/build-image.sh [IMAGE]
#   HERMES_VERSION=v0.3.0 scripts/build-image.sh ghcr.io/you/hermes:v0.3.0
#
# Environment: HERMES_VERSION (default: git describe), HERMES_CONTEXT (the
# context directory; default a fresh temporary one), CA_BUNDLE (default
# /etc/ssl/certs/ca-certificates.crt), HERMES_IMAGE_TOOL (buildah, podman,
# docker or none), GOOS/GOARCH to cross-build, HERMES_BUILD_PACKAGE (the
# main package to build; default ./cmd/hermes — its test builds a small
# probe instead of compiling the whole tree again).
set -euo pipefail

image=${1:-ghcr.io/hermes-agent/hermes:dev}
repo=$(cd "$(dirname "$0")/.." && pwd)
version=${HERMES_VERSION:-$(git -C "$repo" describe --tags --always --dirty 2>/dev/null || echo dev)}
ctx=${HERMES_CONTEXT:-$(mktemp -d)}
ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

mkdir -p "$ctx/home"
(cd "$repo" && CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/hermes-agent/hermes/internal/cmdutil.Version=$version" \
  -o "$ctx/hermes" "${HERMES_BUILD_PACKAGE:-./cmd/hermes}")

# A scratch image has no loader: refuse a dynamically linked binary.
if go version -m "$ctx/hermes" | grep -q 'CGO_ENABLED=1'; then
  echo "build-image: $ctx/hermes is not static (CGO_ENABLED=1)" >&2
  exit 1
fi

[ -r "$ca" ] || { echo "build-image: no CA bundle at $ca (set CA_BUNDLE)" >&2; exit 1; }
cp "$ca" "$ctx/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nhermes:x:65532:65532:hermes:/home/hermes:/sbin/nologin\n' > "$ctx/passwd"
printf 'root:x:0:\nhermes:x:65532:\n' > "$ctx/group"
cp "$repo/Containerfile" "$ctx/Containerfile"

tool=${HERMES_IMAGE_TOOL:-}
if [ -z "$tool" ]; then
  for t in buildah podman docker; do
    if command -v "$t" >/dev/null 2>&1; then tool=$t; break; fi
  done
fi
case "${tool:-none}" in
  buildah) buildah bud --layers -f "$ctx/Containerfile" -t "$image" "$ctx" ;;
  podman | docker) "$tool" build -f "$ctx/Containerfile" -t "$image" "$ctx" ;;
  none) echo "build-image: no buildah, podman or docker; context ready in $ctx" >&2 ;;
  *) echo "build-image: unknown HERMES_IMAGE_TOOL $tool" >&2; exit 2 ;;
esac
echo "$ctx"
