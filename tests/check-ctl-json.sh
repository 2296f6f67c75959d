#!/bin/bash
# ractl's --json replies go through one writer on rk_json (app/ctl/ctl.h:
# rk_ctl_reply ... rk_ctl_reply_end), which escapes every string; a reply
# printed by hand (printf("{\"ok\":true,\"ref\":\"%s\"}", ref)) breaks on
# a value with a quote or a newline. This check (ctest style_ctl_json)
# refuses such a printf, puts or fputs in the ractl sources, so the raw
# replies cannot come back.
# Usage: check-ctl-json.sh SOURCE_DIR
set -uo pipefail
src=$1
# A format string that holds a JSON member: an escaped quote followed by a
# colon ("\"ok\":"), or one that opens an object or array with a quoted key.
pattern='(printf|puts|fputs)[[:space:]]*\([^;]*"[^"]*(\\"[A-Za-z_]+\\"[[:space:]]*:|[{[]\\")'
hits=$(grep -nE "$pattern" "$src"/app/ctl/*.c "$src"/app/ctl/*.h 2>/dev/null)
if [ -n "$hits" ]; then
    echo "raw JSON written by hand in ractl (use rk_ctl_reply and rk_json instead):"
    echo "$hits"
    exit 1
fi
count=$(grep -c 'rk_ctl_reply' "$src"/app/ctl/*.c | awk -F: '{ s += $2 } END { print s }')
echo "ractl: no raw JSON printf; $count uses of the reply writer"
