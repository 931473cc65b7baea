#!/bin/sh
# embed.sh FILE SYMBOL: a C source holding FILE as the NUL-terminated
# array SYMBOL (the status page goes into the binary this way: mgw serves
# it without reading any file). Portable: od and awk only.
set -e
[ $# -eq 2 ] || { echo "usage: $0 FILE SYMBOL" >&2; exit 2; }
printf '/* Made by scripts/embed.sh from %s: do not edit. */\n' "$1"
printf 'const char %s[] = {\n' "$2"
od -An -v -tx1 "$1" | awk '{ s = "\t"; for (i = 1; i <= NF; i++) s = s "0x" $i ","; print s }'
printf '\t0x00\n};\n'
