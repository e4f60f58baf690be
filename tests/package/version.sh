#!/bin/sh
# SPDX-License-Identifier: MIT
# Usage: version.sh CMAKE_PROJECT_VERSION debian/changelog
# The version has one source: CMake's project(VERSION ...) must be the
# upstream part of the newest debian/changelog entry (no epoch, no -revision).
set -eu
cmake_version=$1 changelog=$2
top=$(sed -n '1s/^[a-z0-9.+-]* (\([^)]*\)).*/\1/p' "$changelog")
[ -n "$top" ] || { echo "version.sh: no version in the first line of $changelog" >&2; exit 1; }
upstream=${top#*:}
upstream=${upstream%-*}
if [ "$upstream" != "$cmake_version" ]; then
  echo "version.sh: CMake project(VERSION $cmake_version) but $changelog says $top (upstream $upstream)" >&2
  exit 1
fi
echo "version.sh: CMake and debian/changelog agree on $cmake_version ($top)"
