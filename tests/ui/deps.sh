#!/bin/bash
# The dependency rule for ui/: it sits beside the programs and is handed
# data, so it includes nothing of the core but util/ (errors, wiping, the
# log), and no core library but rkbase's util objects is linked into it.
set -euo pipefail
: "${RK_SOURCE_DIR:?}"
fail=0
while IFS=: read -r file _ inc; do
    to=$(sed -n 's|^#include "\([a-z0-9_]*\)/.*|\1|p' <<<"$inc")
    case "$to" in
    "" | ui | util) ;;
    *) echo "$file: includes $to/ (ui/ may use only util/ from the core)"; fail=1 ;;
    esac
done < <(grep -Hn '^#include "' "$RK_SOURCE_DIR"/ui/*.[ch])
[ $fail -eq 0 ] && echo "ui/: includes only ui/ and util/"
exit $fail
