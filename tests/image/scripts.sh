# tests/image/scripts.sh: the image's scripts without booting anything
# (ctest image_scripts, part of the ordinary suite): every shell script of
# image/ and tests/image parses, the Python helpers compile, screen.py turns
# a known PPM into a PNG and measures it right and tells the kiosk's screen
# from a console or a blank one, and rakiosk-provision's
# rewrite of the rule-file paths makes relative paths absolute (and leaves
# absolute ones alone).
#   bash tests/image/scripts.sh SOURCE_DIR
set -u
src=$1
fails=0
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
for f in "$src"/image/build "$src"/image/bundle "$src"/image/install-deps "$src"/tests/image/*-test \
    "$src"/tests/image/vm.sh "$src"/tests/image/powercut/* "$src"/image/pkg/rakiosk-seal \
    "$src"/image/pkg/rakiosk-provision "$src"/image/pkg/debian/* \
    "$src"/image/overlay/usr/lib/rakiosk/* "$src"/image/test-overlay/usr/lib/rakiosk/*; do
    [ -e "$f" ] || continue # a glob that matched nothing
    case "$(head -1 "$f")" in *bash*) sh=bash ;; *) sh=sh ;; esac
    [ "${f%.sh}" != "$f" ] && sh=bash
    $sh -n "$f" 2>&1 || bad "$f does not parse"
done
python3 -c 'import ast, sys
for f in sys.argv[1:]: ast.parse(open(f).read(), f)' "$src"/tests/image/qmp.py "$src"/tests/image/screen.py ||
    bad "python helpers"
# The image's D-Bus policies are well-formed XML (dbus-daemon drops a file
# that is not, and with it the rule).
for f in "$src"/image/overlay/etc/dbus-1/system.d/*.conf; do
    python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$f" 2>/dev/null ||
        bad "$f is not well-formed XML"
done

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
# A 4x2 screen: 6 black pixels, 2 white ones.
printf 'P6\n# a comment\n4 2\n255\n' >"$t/s.ppm"
printf '\0\0\0\0\0\0\377\377\377\0\0\0\0\0\0\0\0\0\377\377\377\0\0\0' >>"$t/s.ppm"
out=$(python3 "$src/tests/image/screen.py" "$t/s.ppm" "$t/s.png")
[ "$out" = "width=4 height=2 ink=0.2500 colours=2" ] || bad "screen.py: $out"
[ "$(head -c 8 "$t/s.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || bad "screen.py wrote no PNG"
if command -v pngtopnm >/dev/null; then
    pngtopnm "$t/s.png" | cmp -s - <(tail -c 24 "$t/s.ppm" | cat <(printf 'P6\n4 2\n255\n') -) || bad "PNG pixels differ"
fi

# --kiosk: the kiosk's theme (white, accent blue buttons, anti-aliased
# text) is recognised; a text console (grey on black) and a blank white
# screen are not.
python3 - "$t" <<'PY'
import sys
d = sys.argv[1]
def ppm(name, w, h, pix):
    with open(f"{d}/{name}.ppm", "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h) + b"".join(pix(x, y) for y in range(h) for x in range(w)))
grey = [bytes([g, g, g]) for g in range(40, 240, 10)]
ppm("kiosk", 100, 100, lambda x, y: b"\x0b\x57\xd0" if y < 10 else grey[x % 20] if y < 20 else b"\xff\xff\xff")
ppm("console", 100, 100, lambda x, y: grey[x % 20] if y < 20 else b"\0\0\0")
ppm("blank", 100, 100, lambda x, y: b"\xff\xff\xff")
PY
for case in kiosk:yes console:'no(background #000000)' blank:'no(no accent)'; do
    out=$(python3 "$src/tests/image/screen.py" --kiosk "$t/${case%%:*}.ppm" "$t/${case%%:*}.png")
    [ "${out##* kiosk=}" = "${case#*:}" ] || bad "screen.py --kiosk on ${case%%:*}: $out"
done

# rakiosk-provision's path rewrite, taken from the script itself.
rewrite=$(grep -o "sed -i 's#[^']*'" "$src/image/pkg/rakiosk-provision" | sed "s/^sed -i //; s/^'//; s/'\$//")
[ -n "$rewrite" ] || bad "no path rewrite found in rakiosk-provision"
printf '[files]\nfees = fees.ini\nforms = /srv/forms.ini\nknowledge = knowledge.ini\nname = x.ini\n' >"$t/k.conf"
got=$(sed "$rewrite" "$t/k.conf" | tr '\n' '|')
want='[files]|fees = /etc/rakiosk/fees.ini|forms = /srv/forms.ini|knowledge = /etc/rakiosk/knowledge.ini|name = x.ini|'
[ "$got" = "$want" ] || bad "path rewrite gives '$got'"

[ "$fails" = 0 ] && echo "image scripts: all checks passed"
exit $((fails > 0))
