#!/usr/bin/env bash
# lint.sh format|cppcheck|man SOURCE_DIR: the project's C stays clang-format and
# cppcheck clean; the man pages render without a warning from man or groff.
# lint.sh layout SOURCE_DIR BUILD_DIR: no circles of files calling each other (from
# the build's objects: run it after the build), cmd/xfrmd's files short and in its
# file map (layout.py).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$2"
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find cmd lib test -name '*.[ch]')
case $1 in
format)
	clang-format --dry-run --Werror "${files[@]}"
	echo "clang-format: ${#files[@]} files clean"
	;;
cppcheck)
	includes=()
	for d in lib/*/ cmd/*/; do includes+=(-I "$d"); done
	cppcheck --enable=warning,style,performance,portability --error-exitcode=1 --inline-suppr \
		--quiet --suppress=missingIncludeSystem "${includes[@]}" cmd lib
	echo "cppcheck: cmd/ and lib/ clean"
	;;
man)
	for c in man groff; do
		command -v "$c" >/dev/null || {
			echo "no $c (bash test/setup-deps.sh installs man-db and groff-base)" >&2
			exit 1
		}
	done
	bad=0 n=0
	for f in packaging/man/*.[1-9]; do
		n=$((n + 1))
		# man-db's own run (as `man` shows it) and groff's full warning set
		for width in 60 80 100; do
			out=$(LC_ALL=C.UTF-8 MANWIDTH=$width man --warnings -l "$f" 2>&1 >/dev/null)
			[ -z "$out" ] || { echo "$f (MANWIDTH=$width): $out"; bad=1; }
		done
		out=$(groff -man -ww -z "$f" 2>&1)
		[ -z "$out" ] || { echo "$f (groff -ww): $out"; bad=1; }
	done
	((n > 0)) || { echo "no man pages in packaging/man" >&2; exit 1; }
	((bad == 0)) || exit 1
	echo "man: $n pages render without warnings"
	;;
layout)
	[ -n "${3:-}" ] || { echo "usage: lint.sh layout SOURCE_DIR BUILD_DIR" >&2; exit 2; }
	python3 "$here/layout.py" . "$3"
	;;
*)
	echo "usage: lint.sh format|cppcheck|man SOURCE_DIR | layout SOURCE_DIR BUILD_DIR" >&2
	exit 2
	;;
esac
