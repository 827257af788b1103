#!/usr/bin/env bash
# Checks deploy/'s Prometheus and Grafana files: both Prometheus configs and the rules parse
# (promtool check config / rules), every alert behaves as its unit tests say (promtool test rules
# deploy/alerts_test.yml), every query of the Grafana dashboard is valid PromQL (checked by
# promtool as recording rules), and every reflexio_* metric the rules and the dashboard name is one
# the server registers (src/core/metrics.cpp; a histogram's _bucket, _sum and _count count as the
# histogram). Prints what is wrong; exit 1 on any problem.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v promtool >/dev/null || { echo "check-observability: promtool is missing (package prometheus)" >&2; exit 1; }
cd "$repo/deploy"
promtool check config prometheus.yml
promtool check config prometheus.host-network.yml
promtool check rules alerts.yml
promtool test rules alerts_test.yml
registered=$(grep -o 'Name("reflexio_[a-z_]*")' "$repo/src/core/metrics.cpp" | sed 's/Name("\(.*\)")/\1/' | sort -u)
[[ -n "$registered" ]] || { echo "check-observability: no metric names found in src/core/metrics.cpp" >&2; exit 1; }
dashboard=grafana/dashboards/reflexio.json
queries=$(mktemp)
trap 'rm -f "$queries"' EXIT
python3 - "$dashboard" >"$queries" <<'PY'
import json, sys
dashboard = json.load(open(sys.argv[1]))
exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
if not exprs:
    sys.exit("check-observability: the dashboard has no queries")
print("groups:\n  - name: dashboard\n    rules:")
for i, e in enumerate(exprs):
    print(f"      - record: dashboard_query_{i}\n        expr: {json.dumps(e)}")
PY
promtool check rules "$queries" >/dev/null || { echo "check-observability: a dashboard query is not valid PromQL" >&2; promtool check rules "$queries" >&2; exit 1; }
missing=0
for file in alerts.yml "$dashboard"; do
  for name in $(grep -o 'reflexio_[a-z_]*' "$file" | sort -u); do
    base=$(sed -E 's/_(bucket|sum|count)$//' <<<"$name")
    if ! grep -qx "$name" <<<"$registered" && ! grep -qx "$base" <<<"$registered"; then
      echo "check-observability: $file names $name, which the server does not export" >&2
      missing=1
    fi
  done
done
((missing == 0)) || exit 1
echo "check-observability: every metric the rules ($(grep -o 'reflexio_[a-z_]*' alerts.yml | sort -u | wc -l) names)" \
     "and the dashboard ($(grep -o 'reflexio_[a-z_]*' "$dashboard" | sort -u | wc -l) names," \
     "$(grep -c '"expr"' "$dashboard") queries) use is exported"
