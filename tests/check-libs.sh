#!/bin/bash
# The dependency rule, checked on the code (run by ctest, label style):
#  1. includes: a folder of app/core includes only folders at or below its
#     level (util <- conf <- db <- audit <- domain <- token <- ca; print and
#     scan stand on those, never on each other; demo on all of them; branch
#     on everything), so no arrow runs back up;
#  2. objects: no library of the core calls a function that only a library
#     above it defines (rkbase never calls print, scan, export, demo or
#     branch; print, scan and export never call each other), so a program
#     that links rkbase alone never needs cairo, pango, SANE or xlsxwriter.
# Usage: check-libs.sh SOURCE_DIR base=LIB.a print=LIB.a scan=LIB.a
#        export=LIB.a demo=LIB.a [branch=LIB.a]
set -euo pipefail
src=$1
shift
core=$src/app/core
fail=0

declare -A allowed=(
    [util]="util"
    [conf]="util conf"
    [db]="util conf db"
    [audit]="util conf db audit"
    [domain]="util conf db audit domain"
    [token]="util conf db audit domain token"
    [ca]="util conf db audit domain token ca"
    [print]="util conf db audit domain token ca print"
    [scan]="util conf db audit domain token ca scan"
    [demo]="util conf db audit domain token ca print scan demo"
    [branch]="util conf db audit domain token ca print scan demo branch"
)
for dir in "$core"/*/; do
    folder=$(basename "$dir")
    [ -n "${allowed[$folder]+x}" ] || {
        echo "app/core/$folder: a folder the dependency rule does not place (add it to $0)"
        fail=1
        continue
    }
    while IFS=: read -r file _ inc; do
        to=$(sed -n 's|^#include "\([a-z0-9_]*\)/.*|\1|p' <<<"$inc")
        [ -n "$to" ] || continue
        case " ${allowed[$folder]} " in
        *" $to "*) ;;
        *)
            echo "${file#"$src"/}: includes $to/ (${folder} may include: ${allowed[$folder]})"
            fail=1
            ;;
        esac
    done < <(grep -Hn '^#include "' "$dir"*.[ch] 2>/dev/null || true)
done

declare -A lib forbidden=(
    [base]="print scan export demo branch"
    [print]="scan export demo branch"
    [scan]="print export demo branch"
    [export]="print scan demo branch"
    [demo]="export branch"
    [branch]=""
)
for arg in "$@"; do lib[${arg%%=*}]=${arg#*=}; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for name in "${!lib[@]}"; do
    nm -g --defined-only "${lib[$name]}" 2>/dev/null | awk 'NF == 3 && $2 != "U" { print $3 }' |
        sort -u >"$tmp/$name.def"
    nm -u "${lib[$name]}" 2>/dev/null | awk '$1 == "U" { print $2 }' | sort -u >"$tmp/$name.undef"
done
for name in "${!lib[@]}"; do
    for up in ${forbidden[$name]}; do
        [ -f "$tmp/$up.def" ] || continue
        comm -12 "$tmp/$name.undef" "$tmp/$up.def" | comm -23 - "$tmp/$name.def" >"$tmp/bad"
        if [ -s "$tmp/bad" ]; then
            echo "rk$name calls into rk$up: $(head -5 "$tmp/bad" | tr '\n' ' ')"
            fail=1
        fi
    done
done
[ ${#lib[@]} -gt 0 ] || { echo "no libraries given"; exit 1; }
[ $fail = 0 ] && echo "libraries: the dependency rule holds (${#lib[@]} libraries, $(ls -d "$core"/*/ | wc -l) folders)"
exit $fail
