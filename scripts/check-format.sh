#!/usr/bin/env bash
# Fails when a tracked .h/.cc file differs from what clang-format (the repo's .clang-format:
# Google style, 100 columns) would write. Fix with: clang-format -i FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -z '*.h' '*.cc' | xargs -0 clang-format --dry-run -Werror
echo "clang-format: clean"
