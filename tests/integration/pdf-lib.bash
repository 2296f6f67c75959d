# Checks of the PDFs the project prints, shared by the integration scripts
# (sourced): every page renders with ink on it (pdftoppm), and the text laid
# out where it belongs (pdftotext -bbox-layout: lines with their boxes).
# Each function prints why it fails and returns non-zero; the caller counts.
command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null ||
    { echo "FAIL: pdftoppm and pdftotext (poppler-utils) are required" >&2; exit 1; }

# pdf_renders FILE PAGES: the PDF has PAGES pages, each renders (pdftoppm)
# with ink on it. The PNGs stay beside FILE (FILE-N.png) to look at.
pdf_renders() {
    local f=$1 want=$2 n
    rm -f "${f%.pdf}"-*.png "${f%.pdf}"-*.pgm
    pdftoppm -r 50 -png "$f" "${f%.pdf}" || { echo "pdftoppm cannot render $f"; return 1; }
    pdftoppm -r 25 -gray "$f" "${f%.pdf}" || return 1
    n=$(ls "${f%.pdf}"-*.png 2>/dev/null | wc -l)
    [ "$n" = "$want" ] || { echo "$f: $n pages rendered, expected $want"; return 1; }
    python3 - "${f%.pdf}"-*.pgm <<'PY'
import sys
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    parts = data.split(b"\n", 3)  # P5, "W H", maxval, pixels
    w, h = map(int, parts[1].split())
    ink = sum(1 for b in parts[3][: w * h] if b < 128)
    if ink < 200:
        print("%s: a blank page (%d dark pixels)" % (path, ink))
        sys.exit(1)
PY
}

# pdf_lines FILE: the text lines of the PDF, one per output line, as
# "PAGE yMin yMax height<TAB>text" (points from the top of the page).
pdf_lines() {
    pdftotext -bbox-layout "$1" - | python3 -c '
import re, sys, html
page = 0
for m in re.finditer(r"<page |<line xMin=\"[^\"]*\" yMin=\"([^\"]*)\" xMax=\"[^\"]*\" yMax=\"([^\"]*)\">(.*?)</line>", sys.stdin.read(), re.S):
    if m.group(0) == "<page ":
        page += 1
        continue
    y0, y1 = float(m.group(1)), float(m.group(2))
    words = " ".join(html.unescape(w) for w in re.findall(r">([^<]*)</word>", m.group(3)))
    print("%d %.1f %.1f %.1f\t%s" % (page, y0, y1, y1 - y0, words))'
}

# pdf_line_with FILE TEXT [MIN_HEIGHT]: the first line (as pdf_lines gives
# it) holding TEXT whole, of at least MIN_HEIGHT points; fails if none.
pdf_line_with() {
    local line
    line=$(pdf_lines "$1" | awk -F'\t' -v t="$2" -v h="${3:-0}" \
        'index($2, t) && (split($1, a, " ") && a[4] >= h) { print; exit }')
    [ -n "$line" ] || { echo "$1: no line holds '$2' whole${3:+ at ${3} pt or more}"; return 1; }
    echo "$line"
}

# pdf_above FILE UPPER_LINE LOWER_LINE: two lines of pdf_line_with on the
# same page, the first ending above where the second starts (no overlap).
pdf_above() {
    local u=($2) l=($3)
    [ "${u[0]}" = "${l[0]}" ] || { echo "$1: the lines are on pages ${u[0]} and ${l[0]}"; return 1; }
    python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' \
        "${u[2]}" "${l[1]}" || { echo "$1: '$2' overlaps '$3'"; return 1; }
}
