"""Checks provider-sim's Google answers and request bodies against Google's own specs.

Run through scripts/check-google-specs, which installs the pinned artifacts and passes:
  --discovery DIR   analyticsdata.v1beta.json, analyticsadmin.v1beta.json, searchconsole.v1.json
  --protos FILE     google-ads-node's build/protos/protos.json (Google Ads v25)
  --sim BIN         the provider-sim binary
  --requests FILE   optional, repeatable: requests in the /_sim/google/requests format to check too
  --self-test       break valid responses on purpose and require every break to fail

Prints one line per checked shape; exits 1 with the reasons on any mismatch.
"""

import argparse
import base64
import copy
import hashlib
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import jsonschema

import discovery_schema as ds
from proto_json import Protos

ADS_V = "google.ads.googleads.v25"
STREAM_RESPONSE = f"{ADS_V}.services.SearchGoogleAdsStreamResponse"
STREAM_REQUEST = f"{ADS_V}.services.SearchGoogleAdsStreamRequest"
ACCESSIBLE = f"{ADS_V}.services.ListAccessibleCustomersResponse"
ROW = f"{ADS_V}.services.GoogleAdsRow"
FAILURE = f"{ADS_V}.errors.GoogleAdsFailure"
FAILURE_URL = re.compile(r"^type\.googleapis\.com/google\.ads\.googleads\.v(2[3-6])\.errors\.GoogleAdsFailure$")
# 2026-11-20T17:00:00Z: a fixed clock makes every run see the same data.
NOW = 1_795_194_000
GA4_SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
GSC_SCOPE = "https://www.googleapis.com/auth/webmasters.readonly"
ADS_SCOPE = "https://www.googleapis.com/auth/adwords"


class Specs:
    def __init__(self, discovery_dir, protos_path):
        def load(name):
            with open(os.path.join(discovery_dir, name + ".json")) as f:
                return json.load(f)

        self.data = load("analyticsdata.v1beta")
        self.admin = load("analyticsadmin.v1beta")
        self.gsc = load("searchconsole.v1")
        self.protos = Protos(protos_path)
        self.revisions = {d["id"]: d.get("revision") for d in (self.data, self.admin, self.gsc)}

    def schema(self, product, name, mode="response"):
        doc = {"ga4": self.data, "admin": self.admin, "gsc": self.gsc}[product]
        return ds.schema_for(doc, name, mode, loose_enums=product == "gsc")

    def validate_json(self, value, schema):
        v = jsonschema.Draft202012Validator(schema)
        return [f"{'/'.join(str(p) for p in e.absolute_path) or '$'}: {e.message}" for e in v.iter_errors(value)]

    def response(self, product, name, value):
        return self.validate_json(value, self.schema(product, name))

    def request(self, product, name, value):
        return self.validate_json(value, self.schema(product, name, mode="request"))

    def error(self, product, value):
        """A REST error body: the envelope, then each detail by its @type."""
        errs = self.validate_json(value, ds.error_schema(self.data, legacy_errors=product == "gsc"))
        details = (value.get("error") or {}).get("details") or [] if isinstance(value, dict) else []
        for i, d in enumerate(details):
            kind = d.get("@type", "") if isinstance(d, dict) else ""
            if kind == "type.googleapis.com/google.rpc.ErrorInfo":
                errs += [f"details[{i}]: {e}" for e in self.validate_json(d, ds.ERROR_INFO)]
            elif FAILURE_URL.match(kind):
                if product != "ads":
                    errs.append(f"details[{i}]: a GoogleAdsFailure outside Google Ads")
                body = {k: v for k, v in d.items() if k != "@type"}
                errs += [f"details[{i}]{e[1:]}" for e in self.protos.check(body, FAILURE)]
            else:
                errs.append(f"details[{i}]: unexpected detail type {kind!r}")
        if product == "ads" and isinstance(value, dict):
            if not any(FAILURE_URL.match(d.get("@type", "")) for d in details if isinstance(d, dict)) and value.get(
                "error", {}
            ).get("code") not in (401, 404):
                errs.append("details: a Google Ads error carries a GoogleAdsFailure")
        return errs

    def stream(self, batches, mode="response"):
        if not isinstance(batches, list):
            return ["$: searchStream answers ONE JSON array of batches"]
        errs = []
        for i, b in enumerate(batches):
            errs += [f"[{i}]{e[1:]}" for e in self.protos.check(b, STREAM_RESPONSE, mode)]
            results = b.get("results", []) if isinstance(b, dict) else []
            if len(results) > 10_000:
                errs.append(f"[{i}].results: {len(results)} rows; a batch holds at most 10,000")
        return errs

    def gaql(self, query):
        """Every field a GAQL query names must exist in GoogleAdsRow (v25 protos)."""
        errs = []
        m = re.match(r"(?is)^\s*SELECT\s+(.*?)\s+FROM\s+([a-z_]+)(.*)$", query)
        if not m:
            return [f"not a SELECT … FROM … query: {query!r}"]
        select, resource, rest = m.groups()
        why = self.protos.gaql_field(ROW, resource)
        if why:
            errs.append(f"FROM {resource}: {why}")
        rest = re.sub(r"'[^']*'|\"[^\"]*\"", "''", rest)
        names = [f.strip() for f in select.split(",")] + re.findall(r"\b([a-z_]+(?:\.[a-z_0-9]+)+)\b", rest)
        for f in names:
            why = self.protos.gaql_field(ROW, f)
            if why:
                errs.append(f"{f}: {why}")
        return errs

    def check_request(self, entry):
        """A logged request's body, by the API it went to."""
        path, body = entry.get("path", ""), entry.get("body")
        if entry.get("method") != "POST":
            return "GET", []
        if path.endswith(":runReport"):
            return "RunReportRequest", self.request("ga4", "RunReportRequest", body)
        if path.endswith("/searchAnalytics/query"):
            return "SearchAnalyticsQueryRequest", self.request("gsc", "SearchAnalyticsQueryRequest", body)
        if path.endswith("googleAds:searchStream"):
            errs = self.protos.check(body, STREAM_REQUEST, mode="request")
            query = body.get("query") if isinstance(body, dict) else None
            if not isinstance(query, str):
                errs.append("$.query: required")
            else:
                errs += self.gaql(query)
            return "SearchGoogleAdsStreamRequest + GAQL fields", errs
        return "unknown POST", [f"{path}: no known request schema"]


class Sim:
    """provider-sim on a free port, signed in with its Google issuer like the app."""

    def __init__(self, binary, extra_args):
        args = [binary, "--port", "0", "--now", str(NOW), *extra_args]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("provider-sim listening on "):
            raise SystemExit(f"provider-sim did not start: {line!r}")
        self.base = line.rsplit(" ", 1)[1]
        self.token = self.sign_in([GA4_SCOPE, GSC_SCOPE, ADS_SCOPE])

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def sign_in(self, scopes):
        verifier = base64.urlsafe_b64encode(os.urandom(40)).rstrip(b"=").decode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        redirect = "http://127.0.0.1:9/callback"
        query = urllib.parse.urlencode(
            {
                "client_id": "freshboard-sim",
                "redirect_uri": redirect,
                "response_type": "code",
                "scope": " ".join(["openid", "email", *scopes]),
                "state": "spec-check",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "access_type": "offline",
            }
        )

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        try:
            urllib.request.build_opener(NoRedirect).open(f"{self.base}/o/oauth2/v2/auth?{query}")
            raise SystemExit("the authorize endpoint did not redirect")
        except urllib.error.HTTPError as e:
            location = e.headers["location"]
        code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
        form = urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": redirect,
                "client_id": "freshboard-sim",
                "client_secret": "freshboard-sim-secret",
            }
        ).encode()
        with urllib.request.urlopen(f"{self.base}/token", form) as r:
            return json.load(r)["access_token"]

    def call(self, method, path, body=None, headers=None, auth=True):
        h = {"Content-Type": "application/json", **(headers or {})}
        if auth:
            h["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def control(self, path, body=None, method="POST"):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())


def site(url):
    return urllib.parse.quote(url, safe="")


ADS_HEADERS = {"developer-token": "sim-developer-token"}
CAMPAIGNS = (
    "SELECT segments.date, customer.id, customer.currency_code, customer.time_zone, customer.descriptive_name, "
    "campaign.id, campaign.name, campaign.status, metrics.impressions, metrics.clicks, metrics.cost_micros, "
    "metrics.conversions, metrics.conversions_value FROM campaign "
    "WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-20' ORDER BY segments.date"
)
CLIENTS = (
    "SELECT customer_client.client_customer, customer_client.level, customer_client.manager, "
    "customer_client.descriptive_name, customer_client.currency_code, customer_client.time_zone, "
    "customer_client.status, customer_client.id FROM customer_client"
)


def report(dims, metrics, start="2026-11-01", end="2026-11-20", **extra):
    return {
        "dateRanges": [{"startDate": start, "endDate": end}],
        "dimensions": [{"name": d} for d in dims],
        "metrics": [{"name": m} for m in metrics],
        **extra,
    }


def samples(sim):
    """(label, kind, product/type, status, body) for every shape worth checking."""
    out = []

    def add(label, kind, what, status_body, want):
        status, body = status_body
        out.append((label, kind, what, status, want, body))

    add("ga4 admin accountSummaries", "json", ("admin", "GoogleAnalyticsAdminV1betaListAccountSummariesResponse"),
        sim.call("GET", "/v1beta/accountSummaries?pageSize=1"), 200)
    add("ga4 admin properties.get", "json", ("admin", "GoogleAnalyticsAdminV1betaProperty"),
        sim.call("GET", "/v1beta/properties/412345678"), 200)
    add("ga4 runReport date×channel + propertyQuota", "json", ("ga4", "RunReportResponse"),
        sim.call("POST", "/v1beta/properties/412345678:runReport",
                 report(["date", "sessionDefaultChannelGroup"],
                        ["sessions", "totalUsers", "newUsers", "engagedSessions", "keyEvents", "totalRevenue"],
                        limit="100", returnPropertyQuota=True)), 200)
    add("ga4 runReport date×landingPage, sampled/thresholded/(other)", "json", ("ga4", "RunReportResponse"),
        sim.call("POST", "/v1beta/properties/412345678:runReport",
                 report(["date", "landingPage"], ["sessions", "screenPageViews"], limit=50, offset=10)), 200)
    add("ga4 runReport no dimensions, Tokyo", "json", ("ga4", "RunReportResponse"),
        sim.call("POST", "/v1beta/properties/498765432:runReport",
                 report([], ["totalRevenue", "keyEvents"], start="7daysAgo", end="today")), 200)
    add("ga4 runReport empty (future dates)", "json", ("ga4", "RunReportResponse"),
        sim.call("POST", "/v1beta/properties/412345678:runReport",
                 report(["date"], ["sessions"], start="2030-01-01", end="2030-01-02")), 200)
    add("ga4 error 400 invalid dimension", "error", "ga4",
        sim.call("POST", "/v1beta/properties/412345678:runReport", report(["bogus"], ["sessions"])), 400)
    add("ga4 error 401 no token", "error", "ga4",
        sim.call("POST", "/v1beta/properties/412345678:runReport", report(["date"], ["sessions"]), auth=False), 401)
    sim.control("/_sim/google/ga4/quota", {"property": "498765432", "tokens_per_hour": 0})
    add("ga4 error 429 tokens per hour", "error", "ga4",
        sim.call("POST", "/v1beta/properties/498765432:runReport", report(["date"], ["sessions"])), 429)

    add("search console sites.list", "json", ("gsc", "SitesListResponse"), sim.call("GET", "/webmasters/v3/sites"), 200)
    q = f"/webmasters/v3/sites/{site('sc-domain:northwind.example')}/searchAnalytics/query"
    add("search console query date, dataState all (metadata)", "json", ("gsc", "SearchAnalyticsQueryResponse"),
        sim.call("POST", q, {"startDate": "2026-11-10", "endDate": "2026-11-20", "dimensions": ["date"],
                             "dataState": "all", "type": "web", "aggregationType": "auto"}), 200)
    add("search console query query×page paged", "json", ("gsc", "SearchAnalyticsQueryResponse"),
        sim.call("POST", q, {"startDate": "2026-11-10", "endDate": "2026-11-11", "dimensions": ["query", "page"],
                             "rowLimit": 100, "startRow": 100}), 200)
    add("search console query no dimensions", "json", ("gsc", "SearchAnalyticsQueryResponse"),
        sim.call("POST", q, {"startDate": "2026-11-10", "endDate": "2026-11-11", "searchType": "web",
                             "dataState": "FINAL", "aggregationType": "BY_PROPERTY"}), 200)
    add("search console error 403 unverified site", "error", "gsc",
        sim.call("POST", f"/webmasters/v3/sites/{site('https://pending.example/')}/searchAnalytics/query",
                 {"startDate": "2026-11-10", "endDate": "2026-11-11"}), 403)
    add("search console error 400 rowLimit", "error", "gsc",
        sim.call("POST", q, {"startDate": "2026-11-10", "endDate": "2026-11-11", "rowLimit": 25001}), 400)

    add("google ads listAccessibleCustomers", "proto", ACCESSIBLE,
        sim.call("GET", "/v26/customers:listAccessibleCustomers", headers=ADS_HEADERS), 200)
    client = {**ADS_HEADERS, "login-customer-id": "1112223333"}
    add("google ads searchStream campaign×date", "stream", None,
        sim.call("POST", "/v26/customers/4445556666/googleAds:searchStream",
                 {"query": CAMPAIGNS, "summaryRowSetting": "NO_SUMMARY_ROW"}, headers=client), 200)
    add("google ads searchStream customer_client", "stream", None,
        sim.call("POST", "/v26/customers/1112223333/googleAds:searchStream", {"query": CLIENTS}, headers=client), 200)
    add("google ads searchStream customer", "stream", None,
        sim.call("POST", "/v26/customers/7778889999/googleAds:searchStream",
                 {"query": "SELECT customer.id, customer.manager, customer.status, metrics.clicks FROM customer "
                           "WHERE segments.date DURING LAST_30_DAYS"}, headers=ADS_HEADERS), 200)
    add("google ads error 400 GAQL UNRECOGNIZED_FIELD", "error", "ads",
        sim.call("POST", "/v26/customers/7778889999/googleAds:searchStream",
                 {"query": "SELECT campaign.nope FROM campaign"}, headers=ADS_HEADERS), 400)
    add("google ads error 403 USER_PERMISSION_DENIED", "error", "ads",
        sim.call("POST", "/v26/customers/4445556666/googleAds:searchStream", {"query": CAMPAIGNS},
                 headers=ADS_HEADERS), 403)
    add("google ads error 400 DEVELOPER_TOKEN_PARAMETER_MISSING", "error", "ads",
        sim.call("POST", "/v26/customers/7778889999/googleAds:searchStream", {"query": CAMPAIGNS}), 400)
    sim.control("/_sim/faults", {"route": "/v26/customers/7778889999", "kind": "rate_limit", "scope": "DEVELOPER",
                                 "retry_after": 120, "count": 1})
    add("google ads error 429 quota, DEVELOPER scope (fault)", "error", "ads",
        sim.call("POST", "/v26/customers/7778889999/googleAds:searchStream", {"query": CAMPAIGNS},
                 headers=ADS_HEADERS), 429)
    sim.control("/_sim/faults", {"route": "/v1beta/properties/412345678", "kind": "unavailable", "count": 1})
    add("ga4 error 503 (fault)", "error", "ga4",
        sim.call("POST", "/v1beta/properties/412345678:runReport", report(["date"], ["sessions"])), 503)
    return out


def check_sample(specs, kind, what, body):
    if kind == "json":
        return specs.response(*what, body)
    if kind == "error":
        return specs.error(what, body)
    if kind == "proto":
        return specs.protos.check(body, what)
    return specs.stream(body)


def extra_expectations(label, body):
    """Shape facts the schemas cannot say (a field present, not just allowed)."""
    errs = []
    if "propertyQuota" in label and "propertyQuota" not in body:
        errs.append("propertyQuota missing though returnPropertyQuota was true")
    if "sampled" in label:
        meta = body.get("metadata", {})
        for k in ("samplingMetadatas", "subjectToThresholding", "dataLossFromOtherRow"):
            if k not in meta:
                errs.append(f"metadata.{k} missing")
    if "(metadata)" in label and "firstIncompleteDate" not in body.get("metadata", {}):
        errs.append("metadata.firstIncompleteDate missing")
    if "runReport" in label and "rows" in body:
        for row in body["rows"]:
            for v in row.get("dimensionValues", []) + row.get("metricValues", []):
                if not isinstance(v.get("value"), str):
                    errs.append(f"GA4 values are strings: {v}")
    return errs


def mutations():
    """(label, sample label, mutate). `mutate` edits a copy of a valid answer in place (or
    returns a replacement); each must make the answer fail."""

    def first_row(b):
        return b["rows"][0]

    def first_result(b):
        return b[0]["results"][0]

    return [
        ("int64 sent as a number (GA4 samplesReadCount)", "ga4 runReport date×landingPage, sampled/thresholded/(other)",
         lambda b: b["metadata"]["samplingMetadatas"][0].__setitem__("samplesReadCount", 123)),
        ("unknown field in a GA4 row", "ga4 runReport date×channel + propertyQuota",
         lambda b: first_row(b).__setitem__("offset", "0")),
        ("unknown top-level field (GA4 offset paging token)", "ga4 runReport date×channel + propertyQuota",
         lambda b: b.__setitem__("nextPageToken", "abc")),
        ("bad enum (metric type)", "ga4 runReport date×channel + propertyQuota",
         lambda b: b["metricHeaders"][0].__setitem__("type", "TYPE_BIGINT")),
        ("int32 sent as a string (rowCount)", "ga4 runReport date×channel + propertyQuota",
         lambda b: b.__setitem__("rowCount", str(b["rowCount"]))),
        ("Search Console clicks as a string", "search console query date, dataState all (metadata)",
         lambda b: first_row(b).__setitem__("clicks", str(first_row(b)["clicks"]))),
        ("Search Console unknown permission level", "search console sites.list",
         lambda b: b["siteEntry"][0].__setitem__("permissionLevel", "owner")),
        ("Ads int64 sent as a number (costMicros)", "google ads searchStream campaign×date",
         lambda b: first_result(b)["metrics"].__setitem__("costMicros", 1230000)),
        ("Ads snake_case key (cost_micros)", "google ads searchStream campaign×date",
         lambda b: first_result(b)["metrics"].__setitem__("cost_micros", "1")),
        ("Ads enum as a number (campaign.status)", "google ads searchStream campaign×date",
         lambda b: first_result(b)["campaign"].__setitem__("status", 2)),
        ("Ads batches not wrapped in one array", "google ads searchStream campaign×date",
         lambda b: b[0]),
        ("error without status", "ga4 error 400 invalid dimension",
         lambda b: b["error"].pop("status") and None),
        ("error with an unknown rpc code name", "search console error 403 unverified site",
         lambda b: b["error"].__setitem__("status", "FORBIDDEN")),
        ("GoogleAdsFailure with an unknown error enum", "google ads error 400 GAQL UNRECOGNIZED_FIELD",
         lambda b: b["error"]["details"][0]["errors"][0]["errorCode"].__setitem__("queryError", "NO_SUCH_CODE")),
        ("retryDelay not a Duration", "google ads error 429 quota, DEVELOPER scope (fault)",
         lambda b: b["error"]["details"][0]["errors"][0]["details"]["quotaErrorDetails"].__setitem__("retryDelay", 120)),
    ]


REQUEST_MUTATIONS = [
    ("request with an unknown field (RunReportRequest)",
     {"method": "POST", "path": "/v1beta/properties/1:runReport", "body": {**report(["date"], ["sessions"]), "pageToken": "x"}}),
    ("request limit as a float", {"method": "POST", "path": "/v1beta/properties/1:runReport",
                                  "body": {**report(["date"], ["sessions"]), "limit": 1.5}}),
    ("Search Console dataState not an enum value", {"method": "POST", "path": "/webmasters/v3/sites/x/searchAnalytics/query",
                                                    "body": {"startDate": "2026-11-01", "endDate": "2026-11-01", "dataState": "fresh"}}),
    ("GAQL field that Google Ads does not have", {"method": "POST", "path": "/v26/customers/1/googleAds:searchStream",
                                                 "body": {"query": "SELECT metrics.cost_micro FROM campaign"}}),
    ("GAQL FROM a resource that does not exist", {"method": "POST", "path": "/v26/customers/1/googleAds:searchStream",
                                                 "body": {"query": "SELECT campaign.id FROM campaigns"}}),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--discovery", required=True)
    ap.add_argument("--protos", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--requests", action="append", default=[])
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    specs = Specs(args.discovery, args.protos)
    revs = ", ".join(f"{k} rev {v}" for k, v in specs.revisions.items())
    print(f"specs: {revs}; Google Ads protos {ADS_V} (google-ads-node)")

    sim = Sim(args.sim, ["--ga4-sampled", "true", "--ga4-thresholded", "true", "--ga4-other-after", "10"])
    failures = 0
    try:
        found = samples(sim)
        logged = sim.control("/_sim/google/requests", method="GET")
    finally:
        sim.close()

    by_label = {}
    for label, kind, what, status, want, body in found:
        by_label[label] = (kind, what, body)
        errs = [] if status == want else [f"HTTP {status}, expected {want}: {json.dumps(body)[:300]}"]
        errs += check_sample(specs, kind, what, body)
        errs += extra_expectations(label, body) if kind == "json" else []
        schema = what[1] if isinstance(what, tuple) else (what or "SearchGoogleAdsStreamResponse")
        if kind == "error":
            schema = "google.rpc.Status" + (" + GoogleAdsFailure" if what == "ads" else "")
        failures += report_line(f"response {label} [{schema}]", errs)

    # The requests this run sent (the same shapes the sim's tests send), then any given file.
    entries = [("sim", e) for e in logged]
    for path in args.requests:
        with open(path) as f:
            entries += [(os.path.basename(path), e) for e in json.load(f)]
    for source, e in entries:
        if e.get("method") != "POST" or not (200 <= (e.get("status") or 0) < 300 or source != "sim"):
            continue
        name, errs = specs.check_request(e)
        failures += report_line(f"request ({source}) {e.get('path')} [{name}]", errs)

    if args.self_test:
        for label, sample, mutate in mutations():
            kind, what, body = by_label[sample]
            broken = copy.deepcopy(body)
            # A mutation edits in place, or returns a replacement body.
            broken = mutate(broken) or broken
            errs = check_sample(specs, kind, what, broken)
            failures += report_self_test(label, errs)
        for label, entry in REQUEST_MUTATIONS:
            _, errs = specs.check_request(entry)
            failures += report_self_test(label, errs)

    if failures:
        print(f"FAILED: {failures} check(s) did not hold", file=sys.stderr)
        sys.exit(1)
    print("all Google shapes match the specs" + (" and every deliberate break was caught" if args.self_test else ""))


def report_line(label, errs):
    if errs:
        print(f"FAIL {label}")
        for e in errs[:10]:
            print(f"       {e}")
        if len(errs) > 10:
            print(f"       … and {len(errs) - 10} more")
        return 1
    print(f"ok   {label}")
    return 0


def report_self_test(label, errs):
    if errs:
        print(f"ok   self-test caught: {label} -> {errs[0]}")
        return 0
    print(f"FAIL self-test: {label} was NOT caught")
    return 1


if __name__ == "__main__":
    main()
