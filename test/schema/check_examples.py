#!/usr/bin/env python3
"""Validate schemas/examples against schemas/xfrmd.schema.json.

valid/*.json must pass. Each invalid/NAME.json has NAME.expect whose second
line says whether the schema alone catches the defect ("schema: reject") or
only the C loader does ("schema: accept", e.g. prefix overlaps). A file that
is not JSON at all counts as rejected.
"""
import json
import pathlib
import sys

import jsonschema


def load_schema(root):
    schema = json.loads((root / "schemas" / "xfrmd.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def schema_errors(validator, path):
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        return [f"not JSON: {e}"]
    return [f"{'/'.join(map(str, err.absolute_path)) or '(root)'}: {err.message}"
            for err in validator.iter_errors(doc)]


def expectation(path):
    lines = path.with_suffix(".expect").read_text().splitlines()
    if len(lines) < 2 or lines[1] not in ("schema: reject", "schema: accept"):
        raise SystemExit(f"{path.with_suffix('.expect')}: second line must be "
                         "'schema: reject' or 'schema: accept'")
    return lines[1] == "schema: reject"


def main():
    root = pathlib.Path(sys.argv[1])
    validator = load_schema(root)
    examples = root / "schemas" / "examples"
    failures = []
    valid = sorted((examples / "valid").glob("*.json"))
    invalid = sorted((examples / "invalid").glob("*.json"))
    for path in valid:
        errs = schema_errors(validator, path)
        if errs:
            failures.append(f"{path.name}: valid example rejected: {errs[0]}")
    for path in invalid:
        reject = expectation(path)
        errs = schema_errors(validator, path)
        if reject and not errs:
            failures.append(f"{path.name}: schema should reject it but accepts it")
        elif not reject and errs:
            failures.append(f"{path.name}: marked 'schema: accept' but rejected: {errs[0]}")
    for expect in sorted((examples / "invalid").glob("*.expect")):
        if not expect.with_suffix(".json").exists():
            failures.append(f"{expect.name}: no matching .json")
    if len(valid) < 6 or len(invalid) < 25:
        failures.append(f"too few examples: {len(valid)} valid, {len(invalid)} invalid")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{len(valid)} valid, {len(invalid)} invalid examples; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
