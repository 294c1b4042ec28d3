#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the project's real files. Safe to rerun: it only adds files.
set -euo pipefail
cd "$(dirname "$0")"
root=..
mkdir -p corpus/policy_toml corpus/policy_rhai corpus/client_row

# policy_toml: every policy.toml of the repository (standard, conservative, test fixtures).
n=0
while IFS= read -r f; do
  n=$((n + 1)); cp "$f" "corpus/policy_toml/seed-$n-$(basename "$(dirname "$f")").toml"
done < <(find "$root/policies" "$root/tests/fixtures" -name policy.toml -not -path '*/target/*' | sort)

# Hand-written seeds that reach features the real files do not use (script measures, [groups],
# [review.by_grade], negative notches, numbers written as strings, exponents, hex, underscores).
cp seeds/policy_toml-*.toml corpus/policy_toml/
cp seeds/*.rhai corpus/policy_rhai/

# policy_rhai: every .rhai of the repository.
n=0
while IFS= read -r f; do
  n=$((n + 1)); cp "$f" "corpus/policy_rhai/seed-$n-$(basename "$f")"
done < <(find "$root/policies" "$root/tests/fixtures" -name '*.rhai' -not -path '*/target/*' | sort)

# client_row: whole CSV / JSON / JSON Lines fixtures, and each data row of the example
# portfolio on its own (the target puts a header naming every column before it).
n=0
while IFS= read -r f; do
  n=$((n + 1)); cp "$f" "corpus/client_row/seed-$n-$(basename "$f")"
done < <(find "$root/tests/fixtures" "$root/policies" \( -name '*.csv' -o -name '*.json' -o -name '*.jsonl' \) -not -path '*/target/*' | sort)
tail -n +2 "$root/examples/clients.csv" | split -l 1 -d -a 3 - corpus/client_row/example-row-
ls corpus/* | awk '/:$/ {d=$0; next} NF {c[d]++} END {for (d in c) print d, c[d], "files"}'
