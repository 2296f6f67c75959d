#!/bin/bash
# The text-fit check on every gallery screen, and on the form with every
# keyboard layout, in both languages, normal and large type, high contrast:
# no text may be cut off, no touch target under 64 px or closer than 16 px
# to another, no string missing.
set -euo pipefail
: "${UI_GALLERY:?}"
status=0
for args in "" "--lang en" "--large" "--lang en --large" "--contrast" \
    "--lang en --contrast --large" "--size 1080x1920" "--size 1080x1920 --lang en" \
    "--size 1280x720" "--size 1280x720 --lang en"; do
    # shellcheck disable=SC2086
    if out=$("$UI_GALLERY" --fit-check --all-screens $args 2>&1); then
        echo "ok: ${args:-zh-CN}"
    else
        echo "FAIL: ${args:-zh-CN}"
        echo "$out"
        status=1
    fi
done
exit $status
