#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the project's real files. Safe to rerun: it only adds files.
set -euo pipefail
cd "$(dirname "$0")"
root=..
# policy_numbers starts from an empty corpus (its input is a list of choices), but the folder must exist.
mkdir -p corpus/policy_toml corpus/policy_rhai corpus/client_row corpus/client_xlsx corpus/context_file corpus/policy_numbers

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
# client_xlsx: every workbook of the repository (tests/fixtures/hostile_input/*.xlsx, written by
# its make.py, and any other .xlsx of tests/fixtures and examples).
n=0
while IFS= read -r f; do
  n=$((n + 1)); cp "$f" "corpus/client_xlsx/seed-$n-$(basename "$f")"
done < <(find "$root/tests/fixtures" "$root/examples" -name '*.xlsx' -not -path '*/target/*' | sort)
# The same stored rather than deflated, and examples/clients.csv as a workbook (seeds/xlsx.py).
python3 seeds/xlsx.py corpus/client_xlsx

# context_file: every context file (examples/, tests/fixtures/**/context*.toml and the files of
# tests/fixtures/context/), and each context table of a policy's test cases (`[context]`,
# `[case.context]`, `[golden.context]`) written out as a context file of its own.
n=0
while IFS= read -r f; do
  n=$((n + 1)); cp "$f" "corpus/context_file/seed-$n-$(basename "$f")"
done < <({ find "$root/examples" "$root/tests/fixtures" -name 'context*.toml' -not -path '*/target/*'
           find "$root/tests/fixtures/context" -name '*.toml'; } | sort -u)
while IFS= read -r f; do
  awk -v out="corpus/context_file/case-$(basename "$(dirname "$(dirname "$f")")")-$(basename "$f" .toml)-" '
    /^\[/ { inctx = ($0 ~ /^\[(case\.|golden\.)?context\]$/); if (inctx) { k++; next }
            if ($0 ~ /^\[(case\.|golden\.)?context\.company\]$/) { inctx = 1; print "[company]" > (out k ".toml"); next } }
    inctx && NF && !/^#/ { print > (out k ".toml") }
  ' "$f"
done < <(find "$root/policies" "$root/tests/fixtures" -path '*/tests/*.toml' -not -path '*/target/*' | sort)

ls corpus/* | awk '/:$/ {d=$0; next} NF {c[d]++} END {for (d in c) print d, c[d], "files"}'
