"""A proto3-JSON validator driven by a protobufjs descriptor (google-ads-node's protos.json).

Checks a JSON value against a message type the way a strict proto3 JSON parser would see
what Google sends: field names in lowerCamelCase (the JSON name), no unknown fields, at most
one member of a oneof, int64-family values as decimal strings (in `request` mode a JSON
integer is accepted too), 32-bit integers as JSON integers, doubles as numbers, enums by
name, and the well-known types (FieldMask, Duration, Timestamp, Any, wrappers) in their JSON
forms. Also resolves GAQL field paths (`metrics.cost_micros`) through GoogleAdsRow.
"""

import json
import re

INT64 = {"int64", "uint64", "sint64", "fixed64", "sfixed64"}
INT32 = {"int32", "uint32", "sint32", "fixed32", "sfixed32"}
FLOAT = {"double", "float"}
DURATION = re.compile(r"^-?[0-9]+(\.[0-9]{1,9})?s$")
TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$")
FIELD_PATH = re.compile(r"^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$")


def json_name(field):
    parts = field.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


class Protos:
    def __init__(self, path):
        with open(path) as f:
            self.root = json.load(f)

    def node(self, full):
        n = self.root
        for part in full.split("."):
            nested = n.get("nested") or {}
            if part not in nested:
                return None
            n = nested[part]
        return n

    def resolve(self, name, scope):
        """The full name of type `name` referenced from inside `scope` (proto lookup rules)."""
        if name.startswith("."):
            return name[1:]
        parts = scope.split(".")
        while True:
            candidate = ".".join(parts + [name]) if parts else name
            if self.node(candidate) is not None:
                return candidate
            if not parts:
                raise KeyError(f"unknown type {name} (from {scope})")
            parts.pop()

    # ------------------------------------------------------------------ validation

    def check(self, value, type_name, mode="response"):
        """All mismatches of `value` against message `type_name`, as 'path: reason' strings."""
        errors = []
        self._message(value, type_name, "$", mode, errors)
        return errors

    def _message(self, value, full, path, mode, errors):
        wk = self._well_known(value, full, path, errors)
        if wk is not None:
            return
        node = self.node(full)
        if node is None or "fields" not in node:
            errors.append(f"{path}: {full} is not a message")
            return
        if not isinstance(value, dict):
            errors.append(f"{path}: want an object for {full}, got {type(value).__name__}")
            return
        by_json = {}
        for fname, f in node["fields"].items():
            by_json[json_name(fname)] = (fname, f)
        seen_oneofs = {}
        oneof_of = {}
        for oname, o in (node.get("oneofs") or {}).items():
            if o.get("oneof") and not oname.startswith("_"):
                for member in o["oneof"]:
                    oneof_of[member] = oname
        for key, v in value.items():
            if key not in by_json:
                errors.append(f"{path}.{key}: no such field in {full}")
                continue
            fname, f = by_json[key]
            if fname in oneof_of:
                group = oneof_of[fname]
                if group in seen_oneofs:
                    errors.append(f"{path}.{key}: oneof {group} already set by {seen_oneofs[group]}")
                seen_oneofs[group] = key
            self._field(v, f, full, f"{path}.{key}", mode, errors)

    def _field(self, v, f, scope, path, mode, errors):
        if f.get("keyType"):
            if not isinstance(v, dict):
                errors.append(f"{path}: want a map object")
                return
            for k, item in v.items():
                self._single(item, f["type"], scope, f"{path}[{k!r}]", mode, errors)
            return
        if f.get("rule") == "repeated":
            if not isinstance(v, list):
                errors.append(f"{path}: want a list")
                return
            for i, item in enumerate(v):
                self._single(item, f["type"], scope, f"{path}[{i}]", mode, errors)
            return
        self._single(v, f["type"], scope, path, mode, errors)

    def _single(self, v, t, scope, path, mode, errors):
        if t in INT64:
            ok = isinstance(v, str) and re.match(r"^-?[0-9]+$", v)
            if mode == "request" and isinstance(v, int) and not isinstance(v, bool):
                ok = True
            if not ok:
                errors.append(f"{path}: {t} must be a decimal string, got {json.dumps(v)}")
        elif t in INT32:
            if not (isinstance(v, int) and not isinstance(v, bool)):
                errors.append(f"{path}: {t} must be a JSON integer, got {json.dumps(v)}")
        elif t in FLOAT:
            if not ((isinstance(v, (int, float)) and not isinstance(v, bool)) or v in ("NaN", "Infinity", "-Infinity")):
                errors.append(f"{path}: {t} must be a number, got {json.dumps(v)}")
        elif t == "bool":
            if not isinstance(v, bool):
                errors.append(f"{path}: bool must be true/false, got {json.dumps(v)}")
        elif t in ("string", "bytes"):
            if not isinstance(v, str):
                errors.append(f"{path}: {t} must be a string, got {json.dumps(v)}")
        else:
            full = self.resolve(t, scope)
            node = self.node(full)
            if "values" in node:
                if not (isinstance(v, str) and v in node["values"]):
                    errors.append(f"{path}: {json.dumps(v)} is not a value of enum {full}")
            else:
                self._message(v, full, path, mode, errors)

    def _well_known(self, v, full, path, errors):
        """Returns True when `full` is a well-known type (and checks `v`), else None."""
        if full == "google.protobuf.FieldMask":
            if not (isinstance(v, str) and all(FIELD_PATH.match(p) for p in v.split(",") if p)):
                errors.append(f"{path}: FieldMask must be comma-separated camelCase paths, got {json.dumps(v)}")
            return True
        if full == "google.protobuf.Duration":
            if not (isinstance(v, str) and DURATION.match(v)):
                errors.append(f"{path}: Duration must look like \"5603s\", got {json.dumps(v)}")
            return True
        if full == "google.protobuf.Timestamp":
            if not (isinstance(v, str) and TIMESTAMP.match(v)):
                errors.append(f"{path}: Timestamp must be RFC 3339, got {json.dumps(v)}")
            return True
        if full == "google.protobuf.Any":
            if not (isinstance(v, dict) and isinstance(v.get("@type"), str)):
                errors.append(f"{path}: Any needs an @type")
            return True
        if full.startswith("google.protobuf.") and full.endswith("Value"):
            return True
        return None

    # ------------------------------------------------------------------ GAQL fields

    def gaql_field(self, row_type, field):
        """None if `field` (e.g. `metrics.cost_micros`) exists in GoogleAdsRow, else why not."""
        parts = field.split(".")
        full = row_type
        for i, part in enumerate(parts):
            node = self.node(full)
            if node is None or "fields" not in node:
                return f"{'.'.join(parts[:i])} is not a message, so {field} cannot exist"
            f = node["fields"].get(part)
            if f is None:
                return f"{full} has no field {part}"
            if i < len(parts) - 1:
                full = self.resolve(f["type"], full)
        return None
