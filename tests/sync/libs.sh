#!/usr/bin/env bash
# The sync programs load what they use: neither rasync nor rahq loads cairo,
# pango, SANE or xlsxwriter (the core's print, scan and export libraries),
# directly or through another library.
source "$(dirname "$0")/sync-lib.bash"
for prog in "$RASYNC" "$RAHQ"; do
    OUT=$(ldd "$prog" 2>&1)
    for lib in libcairo libpango libsane libxlsxwriter libSDL2 libqrencode; do
        lacks "$lib" "$(basename "$prog") loads $lib"
    done
done
OUT=$(ldd "$RASYNC")
contains libcurl "rasync uses libcurl"
OUT=$(ldd "$RAHQ")
contains libmicrohttpd "rahq uses libmicrohttpd"
echo "rasync loads $(ldd "$RASYNC" | wc -l) shared objects, rahq $(ldd "$RAHQ" | wc -l)"
finish
