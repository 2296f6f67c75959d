#!/bin/bash
# The style check: every C file of the project must be as clang-format
# (with the project's .clang-format) would write it. Run by ctest and CI.
# To fix: clang-format -i $(git ls-files '*.c' '*.h')
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"
mapfile -t files < <(find app sync ui tests -name '*.[ch]' -not -path '*/build*' | sort)
[ ${#files[@]} -gt 0 ] || { echo "no C files found under $root"; exit 1; }
clang-format --dry-run --Werror "${files[@]}"
echo "style: ${#files[@]} files formatted correctly"
