#!/usr/bin/env bash
# Checks deploy/'s Prometheus files: the config and the rules parse (promtool check config / rules),
# every alert behaves as its unit tests say (promtool test rules deploy/alerts_test.yml), and every
# reflexio_* metric the rules name is one the server registers (src/core/metrics.cpp; a histogram's
# _bucket, _sum and _count count as the histogram). Prints what is wrong; exit 1 on any problem.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v promtool >/dev/null || { echo "check-observability: promtool is missing (package prometheus)" >&2; exit 1; }
cd "$repo/deploy"
promtool check config prometheus.yml
promtool check rules alerts.yml
promtool test rules alerts_test.yml
registered=$(grep -o 'Name("reflexio_[a-z_]*")' "$repo/src/core/metrics.cpp" | sed 's/Name("\(.*\)")/\1/' | sort -u)
[[ -n "$registered" ]] || { echo "check-observability: no metric names found in src/core/metrics.cpp" >&2; exit 1; }
missing=0
for name in $(grep -o 'reflexio_[a-z_]*' alerts.yml | sort -u); do
  base=$(sed -E 's/_(bucket|sum|count)$//' <<<"$name")
  if ! grep -qx "$name" <<<"$registered" && ! grep -qx "$base" <<<"$registered"; then
    echo "check-observability: alerts.yml names $name, which the server does not export" >&2
    missing=1
  fi
done
((missing == 0)) || exit 1
echo "check-observability: every metric the rules name is exported ($(grep -o 'reflexio_[a-z_]*' alerts.yml | sort -u | wc -l) names)"
