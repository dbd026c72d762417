#!/usr/bin/env bash
# Builds bulk's release archives for Linux, macOS and Windows into dist/
# (ignored by git: nothing built is committed), each with -trimpath so no
# path of this machine is in the binary, and the version and commit that
# `bulk version` prints stamped in by Go from the repository.
#
# Run it from a clone: Go stamps the commit from a .git folder, which a git
# worktree (whose .git is a file) does not have.
#
#   scripts/release.sh              # every target below
#   TARGETS="linux/amd64" scripts/release.sh
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=${TARGETS:-"linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"}
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
rm -rf dist
mkdir -p dist
for target in $TARGETS; do
  goos=${target%/*} goarch=${target#*/}
  name="bulk-$version-$goos-$goarch"
  stage="dist/$name"
  mkdir -p "$stage"
  exe=bulk
  [ "$goos" = windows ] && exe=bulk.exe
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build -trimpath -buildvcs=true -ldflags "-s -w" -o "$stage/$exe" ./cmd/bulk
  cp README.md "$stage/"
  cp -r samples "$stage/"
  if [ "$goos" = windows ]; then
    (cd dist && zip -qr "$name.zip" "$name")
  else
    tar -C dist -czf "dist/$name.tar.gz" "$name"
  fi
  rm -rf "$stage"
  echo "built dist/$name.$([ "$goos" = windows ] && echo zip || echo tar.gz)"
done
(cd dist && sha256sum -- *.tar.gz *.zip 2>/dev/null > SHA256SUMS)
echo "checksums in dist/SHA256SUMS"
