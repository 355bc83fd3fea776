#!/usr/bin/env python3
"""Structure test of the Grafana files (Grafana itself cannot run here).

grafana/latencyd-dashboard.json: importable (__inputs with a Prometheus data source), no
fixed data source uid anywhere, unique panel ids, grid positions inside the 24-column
grid and not overlapping, every panel and query on the ${datasource} variable, every
variable used is defined (before the variables that use it), the class and endpoint
variables are multi-select, every panel has a description, and no query aggregates a
quantile series with sum/avg (quantiles are never averaged across endpoints), and no panel
uses an option shape that @grafana/schema 13 no longer has (see check_current_shapes).
grafana/provisioning/alerting/latencyd-alerts.json: unified-alerting file provisioning
shape, data source uid from the environment, conditions and references resolve.
grafana/provisioning/dashboards/latencyd.yml: a file provider.

Usage: check_dashboard.py REPO_ROOT     (exit 0 when every check passes)
"""
import json
import os
import re
import sys

DS_VAR = {"type": "prometheus", "uid": "${datasource}"}
BUILTIN_VARS = {"__rate_interval", "__interval", "__interval_ms", "__range", "__range_s",
                "__range_ms", "__all", "__from", "__to", "__dashboard", "__user", "__org",
                "__name", "timeFilter", "__timeFilter"}
# Series whose samples are quantiles: summing or averaging them across series is wrong.
QUANTILE_SERIES = ("latencyd_probe_duration_seconds", "latencyd_judged_duration_seconds",
                   "latencyd_probe_phase_seconds",
                   "latencyd_schedule_lag_seconds", "latencyd:probe_duration_seconds:")
VAR_RE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]")

failures = []


def fail(message):
    failures.append(message)


def all_panels(panels):
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))


def variables_in(text):
    for match in VAR_RE.finditer(text or ""):
        yield next(group for group in match.groups() if group)


def check_no_quantile_aggregation(where, expr):
    # Aggregating histogram buckets, counters or sample counts is fine; quantiles are not.
    for series in QUANTILE_SERIES:
        for match in re.finditer(re.escape(series) + r"[\w:]*", expr):
            name = match.group(0)
            if name.endswith("_bucket") or name.endswith("_total") or name.startswith(
                    "latencyd_probe_duration_histogram"):
                continue
            if re.search(r"\b(sum|avg|avg_over_time|sum_over_time)\b", expr):
                fail(f"{where}: aggregates quantile series {name} with sum/avg: {expr}")


def check_current_shapes(where, panel):
    """Rejects the option shapes that @grafana/schema 13 (TableOptions, HeatmapTooltip) dropped.

    Table panels: `options.footer` is gone; a footer is per field now
    (`fieldConfig.defaults.custom.footer.reducers`). Heatmaps: `options.tooltip.show` became
    `options.tooltip.mode` ("single", "multi" or "none").
    """
    options = panel.get("options", {})
    if panel.get("type") == "table":
        if "footer" in options:
            fail(f"{where}: options.footer is stale; use fieldConfig.defaults.custom.footer")
        if not isinstance(options.get("showHeader"), bool):
            fail(f"{where}: options.showHeader must be set (required by TableOptions)")
    if panel.get("type") == "heatmap":
        tooltip = options.get("tooltip", {})
        if "show" in tooltip:
            fail(f"{where}: options.tooltip.show is stale; use options.tooltip.mode")
        if tooltip.get("mode") not in ("single", "multi", "none"):
            fail(f"{where}: options.tooltip.mode must be single, multi or none")


def check_dashboard(path):
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    inputs = dash.get("__inputs", [])
    if not any(i.get("type") == "datasource" and i.get("pluginId") == "prometheus" for i in inputs):
        fail("__inputs declares no Prometheus data source input")
    if dash.get("id") is not None:
        fail("dashboard id must be null so that import and provisioning assign one")
    if not dash.get("uid"):
        fail("dashboard has no uid")

    variables = dash.get("templating", {}).get("list", [])
    names = [v.get("name") for v in variables]
    if len(set(names)) != len(names):
        fail(f"duplicate variable names: {names}")
    by_name = {v["name"]: v for v in variables}
    ds = [v for v in variables if v.get("type") == "datasource"]
    if len(ds) != 1 or ds[0].get("name") != "datasource" or ds[0].get("query") != "prometheus":
        fail("expected exactly one data source variable `datasource` of type prometheus")
    for required in ("class", "endpoint"):
        var = by_name.get(required)
        if not var:
            fail(f"variable `{required}` missing")
        elif not (var.get("multi") and var.get("includeAll")):
            fail(f"variable `{required}` must be multi-select with All")
    defined = set(BUILTIN_VARS)
    for var in variables:
        if var.get("type") == "query":
            if var.get("datasource") != DS_VAR:
                fail(f"variable `{var['name']}` does not use the ${{datasource}} variable")
            query = var.get("query")
            text = query.get("query") if isinstance(query, dict) else query
            for used in variables_in(text):
                if used not in defined:
                    fail(f"variable `{var['name']}` uses ${used}, not defined before it")
        defined.add(var["name"])

    seen_ids = {}
    rects = []
    for panel in all_panels(dash.get("panels", [])):
        pid = panel.get("id")
        title = panel.get("title", "?")
        where = f"panel {pid} ({title})"
        if not isinstance(pid, int):
            fail(f"{where}: id is not an integer")
        elif pid in seen_ids:
            fail(f"{where}: id also used by panel {seen_ids[pid]}")
        else:
            seen_ids[pid] = title
        pos = panel.get("gridPos", {})
        x, y, w, h = (pos.get(k) for k in ("x", "y", "w", "h"))
        if not all(isinstance(v, int) for v in (x, y, w, h)) or w <= 0 or h <= 0 or x < 0 or y < 0 \
                or x + w > 24:
            fail(f"{where}: bad gridPos {pos}")
        else:
            for other_where, (ox, oy, ow, oh) in rects:
                if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                    fail(f"{where}: gridPos {pos} overlaps {other_where}")
            rects.append((where, (x, y, w, h)))
        for text in (title, panel.get("description", "")):
            for used in variables_in(text):
                if used not in defined:
                    fail(f"{where}: uses undefined variable ${used}")
        if panel.get("type") == "row":
            continue  # rows hold no queries
        check_current_shapes(where, panel)
        if panel.get("datasource") != DS_VAR:
            fail(f"{where}: datasource is {panel.get('datasource')}, not the ${{datasource}} variable")
        if not panel.get("description", "").strip():
            fail(f"{where}: no description")
        targets = panel.get("targets", [])
        if not targets:
            fail(f"{where}: no queries")
        for target in targets:
            twhere = f"{where} query {target.get('refId')}"
            if target.get("datasource") != DS_VAR:
                fail(f"{twhere}: datasource is not the ${{datasource}} variable")
            expr = target.get("expr", "")
            if not expr.strip():
                fail(f"{twhere}: empty expr")
            for text in (expr, target.get("legendFormat", "")):
                for used in variables_in(text):
                    if used not in defined:
                        fail(f"{twhere}: uses undefined variable ${used}")
            check_no_quantile_aggregation(twhere, expr)

    # No fixed data source uid anywhere: every data source reference is the variable, the
    # import input, or Grafana's own built-in annotation source.
    def walk(node, path):
        if isinstance(node, dict):
            if "datasource" in node and isinstance(node["datasource"], dict):
                uid = node["datasource"].get("uid")
                if uid not in ("${datasource}", "-- Grafana --"):
                    fail(f"{path}: fixed data source uid {uid!r}")
            if "datasource" in node and isinstance(node["datasource"], str):
                fail(f"{path}: data source given by name {node['datasource']!r}")
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")
    walk(dash, "dashboard")
    return dash, set(seen_ids)


def check_alerts(path, dash_uid, panel_ids):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("apiVersion") != 1:
        fail("alert rules: apiVersion must be 1")
    uids = set()
    rules = [r for g in doc.get("groups", []) for r in g.get("rules", [])]
    for group in doc.get("groups", []):
        for key in ("orgId", "name", "folder", "interval"):
            if key not in group:
                fail(f"alert group {group.get('name')}: `{key}` missing")
    if len(rules) < 2:
        fail("alert rules: expected the threshold and regression rules")
    for rule in rules:
        where = f"alert rule {rule.get('uid')}"
        uid = rule.get("uid", "")
        if not uid or len(uid) > 40 or uid in uids:
            fail(f"{where}: uid missing, longer than 40 characters or duplicated")
        uids.add(uid)
        for key in ("title", "condition", "for", "noDataState", "execErrState"):
            if not rule.get(key):
                fail(f"{where}: `{key}` missing")
        if not rule.get("labels", {}).get("severity"):
            fail(f"{where}: no severity label")
        for key in ("summary", "description"):
            text = rule.get("annotations", {}).get(key, "")
            if not text:
                fail(f"{where}: annotation {key} missing")
            if "${" in text:
                fail(f"{where}: annotation {key} contains ${{ (Grafana expands it as a variable)")
        for key, value in rule.get("labels", {}).items():
            if "$" in value:
                fail(f"{where}: label {key} contains $ (Grafana expands environment variables there)")
        refs = {d.get("refId") for d in rule.get("data", [])}
        if rule.get("condition") not in refs:
            fail(f"{where}: condition {rule.get('condition')} is not one of {refs}")
        for data in rule.get("data", []):
            model = data.get("model", {})
            if data.get("refId") != model.get("refId"):
                fail(f"{where}: refId differs between query and model")
            if data.get("datasourceUid") == "__expr__":
                if model.get("expression") not in refs:
                    fail(f"{where}: expression {data.get('refId')} refers to unknown {model.get('expression')}")
                if "$" in json.dumps(model):
                    fail(f"{where}: expression {data.get('refId')} uses $ (not portable across Grafana versions)")
            else:
                if data.get("datasourceUid") != "${LATENCYD_PROMETHEUS_UID}":
                    fail(f"{where}: query {data.get('refId')} must take its data source uid from $LATENCYD_PROMETHEUS_UID")
                if not model.get("expr", "").strip():
                    fail(f"{where}: query {data.get('refId')} has no expr")
                if "$" in model.get("expr", ""):
                    fail(f"{where}: query {data.get('refId')} uses a variable")
                check_no_quantile_aggregation(where, model.get("expr", ""))
        if rule.get("dashboardUid") and (rule["dashboardUid"] != dash_uid or rule.get("panelId") not in panel_ids):
            fail(f"{where}: links to dashboard {rule.get('dashboardUid')} panel {rule.get('panelId')}, which does not exist")


def check_provider(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for needed in (r"^apiVersion: 1$", r"^providers:$", r"^\s+type: file$", r"^\s+path: \S+"):
        if not re.search(needed, text, re.M):
            fail(f"dashboard provider: no line matching {needed}")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    dash, panel_ids = check_dashboard(os.path.join(root, "grafana", "latencyd-dashboard.json"))
    check_alerts(os.path.join(root, "grafana", "provisioning", "alerting", "latencyd-alerts.json"),
                 dash.get("uid"), panel_ids)
    check_provider(os.path.join(root, "grafana", "provisioning", "dashboards", "latencyd.yml"))
    for message in failures:
        print("FAIL:", message)
    if failures:
        return 1
    print(f"OK: dashboard with {len(panel_ids)} panels and Grafana alert rules are well formed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
