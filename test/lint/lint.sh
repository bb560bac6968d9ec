#!/usr/bin/env bash
# lint.sh format|cppcheck SOURCE_DIR: the project's C stays clang-format and
# cppcheck clean.
set -euo pipefail
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
*)
	echo "usage: lint.sh format|cppcheck SOURCE_DIR" >&2
	exit 2
	;;
esac
