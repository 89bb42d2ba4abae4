#!/bin/sh
# embed.sh NAME FILE: write FILE as a C string constant NAME (the built-in
# demo scenario, so `novalid` works before anything is installed).
name=$1
file=$2
printf '/* generated from %s by build-aux/embed.sh; do not edit */\n' "$(basename "$file")"
printf 'const char %s[] =\n' "$name"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/' "$file"
printf ';\n'
