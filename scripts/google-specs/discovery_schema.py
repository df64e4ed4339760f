"""Google API discovery documents -> JSON Schema (draft 2020-12).

Discovery `schemas` are JSON-Schema-like already; the conversion makes them strict:
- `$ref: Name` points into `$defs`;
- `format: int64`/`uint64` (discovery `type: string`) must be a decimal string in responses
  (proto3 JSON); in requests a JSON integer is accepted too, as Google's front end does;
- enums are closed lists; with `loose_enums` (Search Console, whose discovery lists
  `SITE_OWNER` while the API sends and accepts `siteOwner`) the lowerCamel and lower-case
  spellings of each value are accepted as well;
- every object that lists `properties` gets `additionalProperties: false`, so a field the
  discovery does not know FAILS.
"""

INT64_PATTERN = r"^-?[0-9]+$"
DATETIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$"


def lower_camel(value):
    parts = value.lower().split("_")
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def enum_values(values, loose):
    if not loose:
        return list(values)
    out = []
    for v in values:
        for spelling in (v, lower_camel(v), v.lower(), v.replace("_", "").lower()):
            if spelling not in out:
                out.append(spelling)
    return out


def convert_schema(s, mode, loose_enums):
    if "$ref" in s:
        return {"$ref": "#/$defs/" + s["$ref"]}
    t = s.get("type")
    fmt = s.get("format")
    if t == "any":
        return {}
    if t == "array":
        return {"type": "array", "items": convert_schema(s.get("items", {"type": "any"}), mode, loose_enums)}
    if t == "object" or "properties" in s:
        out = {"type": "object"}
        if "properties" in s:
            out["properties"] = {k: convert_schema(v, mode, loose_enums) for k, v in s["properties"].items()}
            out["additionalProperties"] = False
        if "additionalProperties" in s:
            out["additionalProperties"] = convert_schema(s["additionalProperties"], mode, loose_enums)
        return out
    if t == "string":
        if fmt in ("int64", "uint64"):
            as_string = {"type": "string", "pattern": INT64_PATTERN}
            return as_string if mode == "response" else {"anyOf": [as_string, {"type": "integer"}]}
        out = {"type": "string"}
        if "enum" in s:
            out["enum"] = enum_values(s["enum"], loose_enums)
        if fmt == "google-datetime":
            out["pattern"] = DATETIME_PATTERN
        return out
    if t == "integer":
        return {"type": "integer"}
    if t == "number":
        return {"type": "number"}
    if t == "boolean":
        return {"type": "boolean"}
    raise ValueError(f"unhandled discovery schema: {s}")


def convert(doc, mode="response", loose_enums=False):
    """All of a discovery document's schemas as one JSON Schema with `$defs`."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {name: convert_schema(s, mode, loose_enums) for name, s in doc["schemas"].items()},
    }


def schema_for(doc, name, mode="response", loose_enums=False):
    root = convert(doc, mode, loose_enums)
    if name not in root["$defs"]:
        raise KeyError(f"{doc.get('id')}: no schema {name}")
    root["$ref"] = "#/$defs/" + name
    return root


# google.rpc.Code names (google/rpc/code.proto): the REST error's `status`. Neither cached
# artifact carries the enum, so it is listed here.
RPC_CODES = [
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
    "UNAVAILABLE", "DATA_LOSS",
]


def error_schema(status_doc, legacy_errors=False):
    """The REST error envelope `{"error": Status + status}` built on a discovery document's
    `Status` (code, message, details), plus Search Console's legacy `errors[]`."""
    root = convert(status_doc)
    status = root["$defs"]["Status"]
    status["properties"]["status"] = {"type": "string", "enum": RPC_CODES}
    status["properties"]["details"]["items"] = {
        "type": "object",
        "properties": {"@type": {"type": "string", "pattern": "^type\\.googleapis\\.com/"}},
        "required": ["@type"],
    }
    status["required"] = ["code", "message", "status"]
    if legacy_errors:
        status["properties"]["errors"] = {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "message": {"type": "string"},
                    "domain": {"type": "string"},
                    "reason": {"type": "string"},
                    "location": {"type": "string"},
                    "locationType": {"type": "string"},
                },
                "required": ["message", "domain", "reason"],
                "additionalProperties": False,
            },
        }
    root["type"] = "object"
    root["properties"] = {"error": {"$ref": "#/$defs/Status"}}
    root["required"] = ["error"]
    root["additionalProperties"] = False
    return root


# google.rpc.ErrorInfo (google/rpc/error_details.proto), also absent from the artifacts.
ERROR_INFO = {
    "type": "object",
    "properties": {
        "@type": {"const": "type.googleapis.com/google.rpc.ErrorInfo"},
        "reason": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
        "domain": {"type": "string"},
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["@type", "reason", "domain"],
    "additionalProperties": False,
}
