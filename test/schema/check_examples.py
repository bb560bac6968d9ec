#!/usr/bin/env python3
"""Validate schemas/examples against schemas/xfrmd.schema.json.

valid/*.json must pass. Each invalid/NAME.json has NAME.expect whose second
line says whether the schema alone catches the defect ("schema: reject") or
only the C loader does ("schema: accept", e.g. prefix overlaps). A file that
is not strict JSON counts as rejected: the loader refuses what Python's json
would take (a key twice, the last winning; \u0000 in a key; NaN), and a
validator only ever sees the parsed document.

Every string value of every valid example, with a newline appended, must be
rejected, as the loader rejects it (test/unit/config/test_config_strict.c):
in Python's re, which jsonschema uses, $ also matches before a final newline.
"""
import copy
import json
import pathlib
import sys

import jsonschema


def load_schema(root):
    schema = json.loads((root / "schemas" / "xfrmd.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def strict_object(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if "\0" in k:
            raise ValueError(f"NUL character in key {k!r}")
        if keys.count(k) > 1:
            raise ValueError(f"duplicate key {k!r}")
    return dict(pairs)


def not_a_number(word):
    raise ValueError(f"{word} is not JSON")


def strict_loads(text):
    """json.loads as the loader reads JSON (a byte-order mark, leading zeros
    and 1. are errors to json.loads already)."""
    return json.loads(text, object_pairs_hook=strict_object, parse_constant=not_a_number)


def schema_errors(validator, path):
    try:
        doc = strict_loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        return [f"not strict JSON: {e}"]
    return [f"{'/'.join(map(str, err.absolute_path)) or '(root)'}: {err.message}"
            for err in validator.iter_errors(doc)]


def string_paths(node, at=()):
    if isinstance(node, str):
        yield at
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from string_paths(v, at + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from string_paths(v, at + (i,))


def newline_accepted(validator, path):
    """The string values of a valid example that pass with "\n" appended."""
    doc = strict_loads(path.read_text(encoding="utf-8"))
    found = []
    for at in string_paths(doc):
        changed = copy.deepcopy(doc)
        parent = changed
        for step in at[:-1]:
            parent = parent[step]
        parent[at[-1]] += "\n"
        if validator.is_valid(changed):
            found.append("/".join(map(str, at)))
    return found, sum(1 for _ in string_paths(doc))


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
    strings = 0
    for path in valid:
        errs = schema_errors(validator, path)
        if errs:
            failures.append(f"{path.name}: valid example rejected: {errs[0]}")
            continue
        accepted, n = newline_accepted(validator, path)
        strings += n
        for at in accepted:
            failures.append(f"{path.name}: {at} with a newline appended is accepted")
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
    if len(valid) < 6 or len(invalid) < 25 or strings < 100:
        failures.append(f"too few examples: {len(valid)} valid, {len(invalid)} invalid, "
                        f"{strings} strings in the valid ones")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{len(valid)} valid, {len(invalid)} invalid examples; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
