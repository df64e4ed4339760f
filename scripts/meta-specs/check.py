"""Checks provider-sim's Meta (Graph v26.0) answers against Meta's own Python SDK.

Run through scripts/check-meta-specs, which downloads the pinned facebook-business wheel, pulls
out the files below (read as source with `ast`, never imported) and passes:
  --sdk DIR     apiconfig.py, exceptions.py and adobjects/{adsinsights,adaccount,adreportrun,
                adsactionstats,business}.py from facebook_business
  --sim BIN     the provider-sim binary
  --self-test   break valid answers on purpose and require every break to fail

What is held to the SDK: every field of every insights row (sync and async) is in
AdsInsights._field_types with its declared type (metric scalars `string`; actions and
action_values `list<AdsActionStats>`, every key of each entry an AdsActionStats string field);
ad-account fields in AdAccount._field_types (business: Business fields); report-run poll fields
in AdReportRun._field_types; error bodies carry only the keys FacebookRequestError reads (plus
fbtrace_id) with their types; the insights parameters the sim takes are get_insights params;
apiconfig's API_VERSION is the version the sim serves; the attribution windows the sim accepts
are SDK enum values other than the removed 7d_view and 28d_view; its date presets are DatePreset
values. Prints one line per check; exits 1 with the reasons on any mismatch.
"""

import argparse
import ast
import copy
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

SIM_VERSION = "v26.0"
# 2026-11-20T17:00:00Z, as the Google check: every run sees the same data.
NOW = 1_795_194_000
ACCOUNTS = ("act_1010000000001", "act_1010000000002")
INSIGHTS_FIELDS = [
    "account_id", "account_name", "account_currency", "campaign_id", "campaign_name", "spend",
    "impressions", "reach", "clicks", "inline_link_clicks", "actions", "action_values",
    "date_start", "date_stop",
]
ACCOUNT_FIELDS = ["id", "account_id", "name", "currency", "timezone_name", "timezone_offset_hours_utc",
                  "account_status", "business"]
# The insights parameters the sim reads (generic Graph ones aside: access_token, after).
SIM_PARAMS = ["level", "fields", "time_range", "time_increment", "action_attribution_windows", "limit",
              "date_preset", "breakdowns", "filtering", "time_ranges", "use_unified_attribution_setting",
              "use_account_attribution_setting", "action_report_time"]
SIM_PRESETS = ["today", "yesterday", "last_3d", "last_7d", "last_14d", "last_28d", "last_30d", "last_90d",
               "this_month", "last_month"]
REMOVED_WINDOWS = {"7d_view", "28d_view"}
# The keys FacebookRequestError reads from body["error"], with their types; plus fbtrace_id.
ERROR_KEYS = {"message": str, "type": str, "code": int, "error_subcode": int, "is_transient": bool,
              "error_user_title": str, "error_user_msg": str, "fbtrace_id": str, "error_data": (str, dict)}
COUNT = re.compile(r"^(0|[1-9][0-9]*)$")
# Meta's money: no trailing zeros after the point.
MONEY = re.compile(r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$")


class Sdk:
    """The SDK's field tables and enums, read from its source without importing it."""

    def __init__(self, root):
        self.root = root
        self.fields = {
            "AdsInsights": self.field_types("adobjects/adsinsights.py", "AdsInsights"),
            "AdAccount": self.field_types("adobjects/adaccount.py", "AdAccount"),
            "AdReportRun": self.field_types("adobjects/adreportrun.py", "AdReportRun"),
            "AdsActionStats": self.field_types("adobjects/adsactionstats.py", "AdsActionStats"),
            "Business": self.field_types("adobjects/business.py", "Business"),
        }
        self.windows = self.enum("adobjects/adsinsights.py", "AdsInsights", "ActionAttributionWindows")
        self.presets = self.enum("adobjects/adsinsights.py", "AdsInsights", "DatePreset")
        self.levels = self.enum("adobjects/adsinsights.py", "AdsInsights", "Level")
        self.insights_params = self.method_dict("adobjects/adaccount.py", "AdAccount", "get_insights", "param_types")
        config = self.module_assign("apiconfig.py", "ads_api_config")
        self.version = config["API_VERSION"]
        self.sdk_version = config["SDK_VERSION"]

    def tree(self, rel):
        with open(os.path.join(self.root, rel)) as f:
            return ast.parse(f.read())

    def cls(self, rel, name):
        for node in self.tree(rel).body:
            if isinstance(node, ast.ClassDef) and node.name == name:
                return node
        raise SystemExit(f"{rel}: no class {name}")

    @staticmethod
    def assigned(body, name):
        for node in body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                return ast.literal_eval(node.value)
        return None

    def field_types(self, rel, name):
        table = self.assigned(self.cls(rel, name).body, "_field_types")
        if not table:
            raise SystemExit(f"{rel}: {name}._field_types not found")
        return table

    def enum(self, rel, outer, inner):
        for node in self.cls(rel, outer).body:
            if isinstance(node, ast.ClassDef) and node.name == inner:
                return {ast.literal_eval(n.value) for n in node.body if isinstance(n, ast.Assign)}
        raise SystemExit(f"{rel}: no enum {outer}.{inner}")

    def method_dict(self, rel, cls, method, name):
        for node in self.cls(rel, cls).body:
            if isinstance(node, ast.FunctionDef) and node.name == method:
                found = self.assigned(node.body, name)
                if found is not None:
                    return found
        raise SystemExit(f"{rel}: {cls}.{method} has no {name}")

    def module_assign(self, rel, name):
        found = self.assigned(self.tree(rel).body, name)
        if found is None:
            raise SystemExit(f"{rel}: no {name}")
        return found

    def check(self, value, kind, path="$"):
        """Errors for `value` against an SDK type name (`string`, `list<X>`, an object…)."""
        if kind.startswith("list<") and kind.endswith(">"):
            if not isinstance(value, list):
                return [f"{path}: {kind} wants a list, got {json.dumps(value)}"]
            errs = []
            for i, item in enumerate(value):
                errs += self.check(item, kind[5:-1], f"{path}[{i}]")
            return errs
        if kind in self.fields:
            return self.object(value, kind, path)
        scalar = {
            "string": lambda v: isinstance(v, str),
            "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "unsigned int": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
            "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "bool": lambda v: isinstance(v, bool),
        }.get(kind)
        if scalar is None:
            return [f"{path}: the check has no rule for SDK type {kind!r}"]
        return [] if scalar(value) else [f"{path}: SDK type {kind!r}, got {json.dumps(value)}"]

    def object(self, value, name, path="$"):
        if not isinstance(value, dict):
            return [f"{path}: {name} wants an object, got {json.dumps(value)[:80]}"]
        errs = []
        table = self.fields[name]
        for key, v in value.items():
            if key not in table:
                errs.append(f"{path}.{key}: not a field of {name}")
            else:
                errs += self.check(v, table[key], f"{path}.{key}")
        return errs


class Sim:
    """provider-sim on a free port, with a Meta system-user token."""

    def __init__(self, binary):
        self.proc = subprocess.Popen([binary, "--port", "0", "--now", str(NOW)], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("provider-sim listening on "):
            raise SystemExit(f"provider-sim did not start: {line!r}")
        self.base = line.rsplit(" ", 1)[1]
        self.token = self.control("/_sim/oauth/system_user_token", {})["access_token"]

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def call(self, method, url, form=None, token=True):
        url = url if url.startswith("http") else self.base + url
        headers = {"Authorization": f"Bearer {self.token}"} if token else {}
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def control(self, path, body=None, method="POST"):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())

    def walk(self, url):
        """Every item of a paged answer, following paging.next; (status, items, pages)."""
        items, pages, next_url = [], [], url
        while next_url:
            status, page = self.call("GET", next_url)
            if status != 200:
                return status, page, pages
            pages.append(page)
            items += page.get("data", [])
            next_url = page.get("paging", {}).get("next")
        return 200, items, pages


def insights_query(since, until, increment="1", windows=("7d_click", "1d_view"), **extra):
    return urllib.parse.urlencode({
        "level": "campaign",
        "fields": ",".join(INSIGHTS_FIELDS),
        "time_range": json.dumps({"since": since, "until": until}),
        "time_increment": increment,
        "action_attribution_windows": json.dumps(list(windows)),
        **extra,
    })


def samples(sim):
    """{label: (kind, status, want, body)} for every shape worth checking."""
    out = {}

    def add(label, kind, status_body, want=200):
        out[label] = (kind, status_body[0], want, status_body[1])

    status, accounts, pages = sim.walk(f"/{SIM_VERSION}/me/adaccounts?fields={','.join(ACCOUNT_FIELDS)}&limit=1")
    add("me/adaccounts (every page)", "accounts", (status, accounts))
    add("me/adaccounts page envelope", "page", (status, pages[0] if pages else {}))
    add("act_ account object", "accounts", sim.call("GET", f"/{SIM_VERSION}/{ACCOUNTS[1]}?fields={','.join(ACCOUNT_FIELDS)}"))
    for account in ACCOUNTS:
        status, rows, pages = sim.walk(f"/{SIM_VERSION}/{account}/insights?" + insights_query("2026-10-20", "2026-11-21", limit=40))
        add(f"sync insights daily {account} (every page)", "rows", (status, rows))
        add(f"sync insights page envelope {account}", "page", (status, pages[0] if pages else {}))
    for increment in ("all_days", "monthly", "7"):
        add(f"sync insights time_increment={increment}", "rows",
            sim.walk(f"/{SIM_VERSION}/{ACCOUNTS[0]}/insights?" + insights_query("2026-09-15", "2026-11-20", increment))[:2])

    form = dict(urllib.parse.parse_qsl(insights_query("2026-08-01", "2026-11-20")))
    status, created = sim.call("POST", f"/{SIM_VERSION}/{ACCOUNTS[0]}/insights", form=form)
    add("async POST", "created", (status, created))
    run = created.get("report_run_id", "0")
    polls = []
    for _ in range(20):
        status, poll = sim.call("GET", f"/{SIM_VERSION}/{run}?fields=async_status,async_percent_completion")
        polls.append(poll)
        if poll.get("async_status") in ("Job Completed", "Job Failed"):
            break
    add("async report run polls", "polls", (status, polls))
    add("async results (every page)", "rows", sim.walk(f"/{SIM_VERSION}/{run}/insights?limit=200")[:2])
    _, unpolled = sim.call("POST", f"/{SIM_VERSION}/{ACCOUNTS[0]}/insights", form=form)
    add("error: results of a run not completed (2601)", "error",
        sim.call("GET", f"/{SIM_VERSION}/{unpolled.get('report_run_id')}/insights"), 400)

    add("error: 7d_view", "error", sim.call("GET", f"/{SIM_VERSION}/{ACCOUNTS[0]}/insights?" +
                                             insights_query("2026-11-01", "2026-11-02", windows=("7d_view",))), 400)
    add("error: unknown field", "error", sim.call("GET", f"/{SIM_VERSION}/{ACCOUNTS[0]}/insights?level=campaign&fields=spend,cpc_unicorn"), 400)
    add("error: 37 months (3018)", "error", sim.call("GET", f"/{SIM_VERSION}/{ACCOUNTS[0]}/insights?" +
                                                      insights_query("2023-01-01", "2023-01-02")), 400)
    add("error: reduce the amount of data (500)", "error", sim.call("GET", f"/{SIM_VERSION}/{ACCOUNTS[0]}/insights?" +
                                                                     insights_query("2024-01-01", "2026-11-20")), 500)
    add("error: unknown object (100/33)", "error", sim.call("GET", f"/{SIM_VERSION}/act_999"), 400)
    add("error: bad token (190)", "error",
        sim.call("GET", f"/{SIM_VERSION}/{ACCOUNTS[0]}?access_token=EAABnope", token=False), 400)
    add("error: old version (2635)", "error", sim.call("GET", "/v19.0/me/adaccounts"), 400)
    sim.control("/_sim/faults", {"route": f"/{SIM_VERSION}/{ACCOUNTS[0]}/insights", "kind": "rate_limit", "code": 17,
                                 "subcode": 2446079, "regain_minutes": 5, "count": 1})
    add("error: 17/2446079 (fault)", "error", sim.call("GET", f"/{SIM_VERSION}/{ACCOUNTS[0]}/insights?" +
                                                        insights_query("2026-11-01", "2026-11-02")), 400)
    sim.control("/_sim/meta/budget", {"account": ACCOUNTS[1], "calls_per_hour": 1})
    sim.call("GET", f"/{SIM_VERSION}/{ACCOUNTS[1]}")
    add("error: 80000 (budget)", "error", sim.call("GET", f"/{SIM_VERSION}/{ACCOUNTS[1]}"), 400)
    return out


def check_rows(sdk, rows, path="$"):
    errs = []
    if not rows:
        errs.append(f"{path}: no rows to check")
    for i, row in enumerate(rows):
        errs += sdk.object(row, "AdsInsights", f"{path}[{i}]")
        errs += [f"{path}[{i}].{k}: not asked for" for k in row if k not in INSIGHTS_FIELDS]
        for k in ("impressions", "reach", "clicks", "inline_link_clicks"):
            if k in row and not (isinstance(row[k], str) and COUNT.match(row[k])):
                errs.append(f"{path}[{i}].{k}: a count as a digit string, got {json.dumps(row[k])}")
        if "spend" in row and not (isinstance(row["spend"], str) and MONEY.match(row["spend"])):
            errs.append(f"{path}[{i}].spend: Meta's decimal (no trailing zeros), got {json.dumps(row['spend'])}")
        for field in ("actions", "action_values"):
            for j, stat in enumerate(row.get(field) or []):
                if not isinstance(stat, dict):
                    continue
                pattern = COUNT if field == "actions" else MONEY
                for key, value in stat.items():
                    if key != "action_type" and isinstance(value, str) and not pattern.match(value):
                        errs.append(f"{path}[{i}].{field}[{j}].{key}: {json.dumps(value)} is not a number string")
                if stat.get("value") == "0":
                    errs.append(f"{path}[{i}].{field}[{j}]: a zero entry is left out")
            if field in row and row[field] == []:
                errs.append(f"{path}[{i}].{field}: an empty list is left out")
    return errs


def check_sample(sdk, kind, body):
    if kind == "rows":
        return check_rows(sdk, body) if isinstance(body, list) else ["$: expected rows"]
    if kind == "accounts":
        items = body if isinstance(body, list) else [body]
        errs = []
        for i, a in enumerate(items):
            errs += sdk.object(a, "AdAccount", f"$[{i}]")
            if isinstance(a, dict) and not str(a.get("id", "")).startswith("act_"):
                errs.append(f"$[{i}].id: act_<digits>")
        return errs
    if kind == "polls":
        errs = []
        for i, p in enumerate(body):
            errs += sdk.object(p, "AdReportRun", f"$[{i}]")
        statuses = [p.get("async_status") for p in body]
        if not statuses or statuses[-1] != "Job Completed":
            errs.append(f"statuses {statuses}: the run never said Job Completed")
        elif not any(p.get("async_status") == "Job Running" and p.get("async_percent_completion") == 100 for p in body):
            errs.append(f"statuses {statuses}: no 100%-but-running poll before completion")
        return errs
    if kind == "created":
        run = body.get("report_run_id") if isinstance(body, dict) else None
        return [] if isinstance(run, str) and run.isdigit() else [f"$.report_run_id: a digit string, got {run!r}"]
    if kind == "page":
        errs = [f"$.{k}: not part of a Graph page" for k in body if k not in ("data", "paging")]
        paging = body.get("paging", {})
        if not isinstance(paging.get("cursors", {}).get("after"), str):
            errs.append("$.paging.cursors.after: a string cursor")
        if "next" in paging and not str(paging["next"]).startswith("http"):
            errs.append("$.paging.next: an absolute URL")
        return errs
    if kind == "error":
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or list(body) != ["error"]:
            return ["$: a Graph error is {\"error\": {…}} alone"]
        errs = []
        for key, value in error.items():
            want = ERROR_KEYS.get(key)
            if want is None:
                errs.append(f"$.error.{key}: FacebookRequestError does not read it")
            elif not isinstance(value, want) or (want is int and isinstance(value, bool)):
                errs.append(f"$.error.{key}: wants {want}, got {json.dumps(value)}")
        for key in ("message", "type", "code"):
            if key not in error:
                errs.append(f"$.error.{key}: missing")
        return errs
    return [f"unknown sample kind {kind}"]


def check_version(sdk, served):
    return [] if sdk.version == served else [f"apiconfig API_VERSION {sdk.version} but the sim serves {served}"]


def check_windows(sdk, accepted):
    allowed = sdk.windows - REMOVED_WINDOWS
    errs = [f"accepts {w}, which the SDK enum does not list" for w in sorted(accepted - sdk.windows)]
    errs += [f"accepts {w}, removed on 12 January 2026" for w in sorted(accepted & REMOVED_WINDOWS)]
    if not accepted <= allowed and not errs:
        errs.append(f"{sorted(accepted)} is not within {sorted(allowed)}")
    return errs


def probe(sim, sdk):
    """What the sim accepts: its version (the SDK's answers, or the sim's own), attribution
    windows (every SDK value tried, and two that are no value), presets."""
    answers = (v for v in (sdk.version, SIM_VERSION) if sim.call("GET", f"/{v}/me/adaccounts")[0] == 200)
    served = next(answers, "no version")
    accepted = set()
    for w in sorted(sdk.windows | {"2d_click", "7d_clicks"}):
        status, _ = sim.call("GET", f"/{SIM_VERSION}/{ACCOUNTS[0]}/insights?" +
                             insights_query("2026-11-01", "2026-11-02", windows=(w,)))
        if status == 200:
            accepted.add(w)
    presets = {}
    for p in SIM_PRESETS:
        status, _ = sim.call("GET", f"/{SIM_VERSION}/{ACCOUNTS[0]}/insights?level=campaign&date_preset={p}")
        presets[p] = status
    return served, accepted, presets


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


def mutations():
    """(label, sample label, mutate): each edits a copy of a valid answer and must fail."""
    rows = "sync insights daily act_1010000000001 (every page)"

    def first_with(field):
        return lambda b: next(r for r in b if field in r)

    return [
        ("an unknown field in an insights row", rows, lambda b: b[0].__setitem__("cost_per_unicorn", "1")),
        ("impressions as a number, not a string", rows, lambda b: b[0].__setitem__("impressions", 361324)),
        ("spend as a number", rows, lambda b: b[0].__setitem__("spend", 5339.5)),
        ("spend with a trailing zero", rows, lambda b: b[0].__setitem__("spend", "5339.50")),
        ("an action value as a number", rows, lambda b: first_with("actions")(b)["actions"][0].__setitem__("value", 12)),
        ("an unknown AdsActionStats key", rows,
         lambda b: first_with("actions")(b)["actions"][0].__setitem__("7d_unicorn", "1")),
        ("actions not a list", rows, lambda b: first_with("actions")(b).__setitem__("actions", {"purchase": "1"})),
        ("timezone_offset_hours_utc as a string", "me/adaccounts (every page)",
         lambda b: b[0].__setitem__("timezone_offset_hours_utc", "-5")),
        ("a business key Business does not have", "me/adaccounts (every page)",
         lambda b: b[0]["business"].__setitem__("owner", "x")),
        ("async_percent_completion as a string", "async report run polls",
         lambda b: b[0].__setitem__("async_percent_completion", "0")),
        ("an AdReportRun field that does not exist", "async report run polls",
         lambda b: b[0].__setitem__("progress", 10)),
        ("an error code as a string", "error: 7d_view", lambda b: b["error"].__setitem__("code", "100")),
        ("an error key the SDK does not read", "error: 7d_view", lambda b: b["error"].__setitem__("status", "BAD")),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sdk", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    sdk = Sdk(args.sdk)
    print(f"specs: facebook-business {sdk.sdk_version} (API_VERSION {sdk.version}); "
          f"AdsInsights {len(sdk.fields['AdsInsights'])} fields, AdAccount {len(sdk.fields['AdAccount'])}")

    sim = Sim(args.sim)
    try:
        served, accepted, presets = probe(sim, sdk)
        found = samples(sim)
    finally:
        sim.close()

    failures = 0
    for label, (kind, status, want, body) in found.items():
        errs = [] if status == want else [f"HTTP {status}, expected {want}: {json.dumps(body)[:300]}"]
        errs += check_sample(sdk, kind, body)
        failures += report_line(f"{label} [{kind}]", errs)
    failures += report_line(f"API_VERSION {sdk.version} is the sim's version", check_version(sdk, served))
    failures += report_line(f"accepted attribution windows {sorted(accepted)} ⊆ SDK enum − 7d_view/28d_view",
                            check_windows(sdk, accepted) +
                            [f"refuses {w}" for w in ("1d_click", "7d_click", "28d_click", "1d_view", "1d_ev") if w not in accepted])
    failures += report_line("the sim's date presets are DatePreset values and all served",
                            [f"{p} not in DatePreset" for p in presets if p not in sdk.presets] +
                            [f"{p}: HTTP {s}" for p, s in presets.items() if s != 200])
    failures += report_line("the insights parameters the sim reads are get_insights parameters",
                            [f"{p} is not a get_insights parameter" for p in SIM_PARAMS if p not in sdk.insights_params] +
                            ([] if "campaign" in sdk.levels else ["level campaign is not an SDK Level"]))

    if args.self_test:
        for label, sample, mutate in mutations():
            kind, _, _, body = found[sample]
            broken = copy.deepcopy(body)
            broken = mutate(broken) or broken
            failures += report_self_test(label, check_sample(sdk, kind, broken))
        failures += report_self_test("the SDK on another version than the sim", check_version(sdk, "v25.0"))
        failures += report_self_test("7d_view accepted", check_windows(sdk, accepted | {"7d_view"}))
        failures += report_self_test("a window the SDK does not know accepted", check_windows(sdk, accepted | {"2d_click"}))

    if failures:
        print(f"FAILED: {failures} check(s) did not hold", file=sys.stderr)
        sys.exit(1)
    print("all Meta shapes match the SDK" + (" and every deliberate break was caught" if args.self_test else ""))


if __name__ == "__main__":
    main()
