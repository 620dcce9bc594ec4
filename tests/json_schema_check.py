# SPDX-License-Identifier: MIT
"""Validate JSON documents against a JSON Schema, offline:

    python3 json_schema_check.py SCHEMA DOCUMENT...

A small validator of the draft-07 keywords the library's schemas use
(type, const, enum, properties, required, additionalProperties: false,
items, maxItems, minimum, $ref into #/definitions); a schema with any
other keyword is refused, so that none is silently ignored.  Where the
jsonschema package is installed, each document is checked by it too, and
the schema against the meta-schema.  Prints nothing and exits 0 when every
document is valid; else one line per error and status 1."""
import json
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}
ANNOTATIONS = {"$schema", "$id", "title", "description", "definitions"}
KNOWN = ANNOTATIONS | {"type", "const", "enum", "properties", "required",
                       "additionalProperties", "items", "maxItems", "minimum",
                       "$ref"}


def resolve(root, ref):
    if not ref.startswith("#/"):
        raise ValueError(f"unsupported $ref {ref}")
    node = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def check(root, schema, value, where, errors):
    unknown = set(schema) - KNOWN
    if unknown:
        raise ValueError(f"schema keyword(s) not supported here: {sorted(unknown)}")
    if "$ref" in schema:
        check(root, resolve(root, schema["$ref"]), value, where, errors)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[t](value) for t in types):
            errors.append(f"{where}: {value!r} is not of type {' or '.join(types)}")
            return
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if "minimum" in schema and TYPES["number"](value) and value < schema["minimum"]:
        errors.append(f"{where}: {value!r} is below {schema['minimum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}: {name!r} is missing")
        for name, v in value.items():
            if name in props:
                check(root, props[name], v, f"{where}.{name}", errors)
            elif schema.get("additionalProperties", True) is False:
                errors.append(f"{where}: {name!r} is not allowed")
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{where}: more than {schema['maxItems']} items")
        for i, v in enumerate(value):
            if "items" in schema:
                check(root, schema["items"], v, f"{where}[{i}]", errors)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: json_schema_check.py SCHEMA DOCUMENT...")
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    if jsonschema:
        jsonschema.Draft7Validator.check_schema(schema)
    failed = False
    for path in sys.argv[2:]:
        with open(path) as f:
            try:
                doc = json.load(f)
            except json.JSONDecodeError as e:
                print(f"{path}: not JSON: {e}")
                failed = True
                continue
        errors = []
        check(schema, schema, doc, "$", errors)
        if jsonschema:
            errors += [f"(jsonschema) {e.message}" for e in
                       jsonschema.Draft7Validator(schema).iter_errors(doc)]
        for e in errors:
            print(f"{path}: {e}")
        failed |= bool(errors)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
