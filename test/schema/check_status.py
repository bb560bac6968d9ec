#!/usr/bin/env python3
"""Validate `xfrmctl status --json` output against schemas/status.schema.json.

    check_status.py STATUS.json   (or - for standard input)

Prints one line per violation (JSON path: message); exit 1 if any.
"""
import json
import pathlib
import sys

import jsonschema


def main():
    root = pathlib.Path(__file__).resolve().parents[2]
    schema = json.loads((root / "schemas" / "status.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    src = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1])
    doc = json.load(src)
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
              for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
