# Mirrors policies/standard/policy.toml (policy `standard` 1.0.0): its band tables, weights,
# grade thresholds, percent per grade, ceilings and rounding; not its rule scripts,
# overlays or company health. Generated from the loaded policy by `cargo run --release
# -- --write` in bench-peers/; keep it in step with policy.toml (the benchmark refuses to
# run when this file differs from what the policy generates).
package credit

import rego.v1

# Band tables: `from` inclusive, `to` exclusive; an unknown value (null or absent) scores
# the measure's `missing` points.

# on_time_ratio: character, weight 50 of the criterion
on_time_ratio := object.get(input, "on_time_ratio", null)

points_on_time_ratio := 40 if on_time_ratio == null
else := 100 if on_time_ratio >= 0.98
else := 85 if { on_time_ratio >= 0.95; on_time_ratio < 0.98 }
else := 70 if { on_time_ratio >= 0.9; on_time_ratio < 0.95 }
else := 50 if { on_time_ratio >= 0.8; on_time_ratio < 0.9 }
else := 30 if { on_time_ratio >= 0.7; on_time_ratio < 0.8 }
else := 0 if on_time_ratio < 0.7

# broken_promises: character, weight 30 of the criterion
broken_promises := object.get(input, "broken_promises", null)

points_broken_promises := 50 if broken_promises == null
else := 100 if broken_promises < 1
else := 60 if { broken_promises >= 1; broken_promises < 2 }
else := 30 if { broken_promises >= 2; broken_promises < 4 }
else := 0 if broken_promises >= 4

# years_trading: character, weight 20 of the criterion
years_trading := object.get(input, "years_trading", null)

points_years_trading := 30 if years_trading == null
else := 100 if years_trading >= 10
else := 80 if { years_trading >= 5; years_trading < 10 }
else := 60 if { years_trading >= 3; years_trading < 5 }
else := 40 if { years_trading >= 1; years_trading < 3 }
else := 20 if years_trading < 1

# max_days_late: capacity, weight 30 of the criterion
max_days_late := object.get(input, "max_days_late", null)

points_max_days_late := 50 if max_days_late == null
else := 100 if max_days_late < 1
else := 80 if { max_days_late >= 1; max_days_late < 15 }
else := 60 if { max_days_late >= 15; max_days_late < 30 }
else := 35 if { max_days_late >= 30; max_days_late < 60 }
else := 15 if { max_days_late >= 60; max_days_late < 90 }
else := 0 if max_days_late >= 90

# management_score: capacity, weight 30 of the criterion
management_score := object.get(input, "management_score", null)

points_management_score := 50 if management_score == null
else := 100 if management_score >= 5
else := 80 if { management_score >= 4; management_score < 5 }
else := 60 if { management_score >= 3; management_score < 4 }
else := 35 if { management_score >= 2; management_score < 3 }
else := 10 if management_score < 2

# sell_through: capacity, weight 20 of the criterion
sell_through := object.get(input, "sell_through", null)

points_sell_through := 50 if sell_through == null
else := 100 if sell_through >= 0.9
else := 80 if { sell_through >= 0.75; sell_through < 0.9 }
else := 55 if { sell_through >= 0.6; sell_through < 0.75 }
else := 25 if { sell_through >= 0.4; sell_through < 0.6 }
else := 0 if sell_through < 0.4

# high_risk_share: capacity, weight 20 of the criterion
high_risk_share := object.get(input, "high_risk_share", null)

points_high_risk_share := 60 if high_risk_share == null
else := 100 if high_risk_share < 0.05
else := 75 if { high_risk_share >= 0.05; high_risk_share < 0.15 }
else := 45 if { high_risk_share >= 0.15; high_risk_share < 0.3 }
else := 10 if high_risk_share >= 0.3

# debt_ratio: capital, weight 40 of the criterion
debt_ratio := object.get(input, "debt_ratio", null)

points_debt_ratio := 30 if debt_ratio == null
else := 100 if debt_ratio < 0.4
else := 80 if { debt_ratio >= 0.4; debt_ratio < 0.55 }
else := 55 if { debt_ratio >= 0.55; debt_ratio < 0.7 }
else := 25 if { debt_ratio >= 0.7; debt_ratio < 0.85 }
else := 0 if debt_ratio >= 0.85

# current_ratio: capital, weight 25 of the criterion
current_ratio := object.get(input, "current_ratio", null)

points_current_ratio := 30 if current_ratio == null
else := 100 if current_ratio >= 2
else := 80 if { current_ratio >= 1.5; current_ratio < 2 }
else := 60 if { current_ratio >= 1.2; current_ratio < 1.5 }
else := 35 if { current_ratio >= 1; current_ratio < 1.2 }
else := 10 if current_ratio < 1

# quick_ratio: capital, weight 20 of the criterion
quick_ratio := object.get(input, "quick_ratio", null)

points_quick_ratio := 30 if quick_ratio == null
else := 100 if quick_ratio >= 1.2
else := 80 if { quick_ratio >= 1; quick_ratio < 1.2 }
else := 60 if { quick_ratio >= 0.8; quick_ratio < 1 }
else := 35 if { quick_ratio >= 0.5; quick_ratio < 0.8 }
else := 10 if quick_ratio < 0.5

# tnw_to_sales: capital, weight 15 of the criterion
tnw_to_sales := object.get(input, "tnw_to_sales", null)

points_tnw_to_sales := 30 if tnw_to_sales == null
else := 100 if tnw_to_sales >= 1
else := 80 if { tnw_to_sales >= 0.5; tnw_to_sales < 1 }
else := 60 if { tnw_to_sales >= 0.25; tnw_to_sales < 0.5 }
else := 35 if { tnw_to_sales >= 0; tnw_to_sales < 0.25 }
else := 0 if tnw_to_sales < 0

# collateral_to_sales: collateral, weight 100 of the criterion
collateral_to_sales := object.get(input, "collateral_to_sales", null)

points_collateral_to_sales := 20 if collateral_to_sales == null
else := 100 if collateral_to_sales >= 0.15
else := 80 if { collateral_to_sales >= 0.1; collateral_to_sales < 0.15 }
else := 60 if { collateral_to_sales >= 0.05; collateral_to_sales < 0.1 }
else := 40 if { collateral_to_sales >= 0.01; collateral_to_sales < 0.05 }
else := 20 if collateral_to_sales < 0.01

# sales_growth: conditions, weight 100 of the criterion
sales_growth := object.get(input, "sales_growth", null)

points_sales_growth := 50 if sales_growth == null
else := 100 if sales_growth >= 0.1
else := 80 if { sales_growth >= 0.03; sales_growth < 0.1 }
else := 60 if { sales_growth >= 0; sales_growth < 0.03 }
else := 35 if { sales_growth >= -0.1; sales_growth < 0 }
else := 10 if sales_growth < -0.1

points := {
	"on_time_ratio": points_on_time_ratio,
	"broken_promises": points_broken_promises,
	"years_trading": points_years_trading,
	"max_days_late": points_max_days_late,
	"management_score": points_management_score,
	"sell_through": points_sell_through,
	"high_risk_share": points_high_risk_share,
	"debt_ratio": points_debt_ratio,
	"current_ratio": points_current_ratio,
	"quick_ratio": points_quick_ratio,
	"tnw_to_sales": points_tnw_to_sales,
	"collateral_to_sales": points_collateral_to_sales,
	"sales_growth": points_sales_growth,
}

# Criterion scores (weights in percent of the criterion), then the total.
character := ((points_on_time_ratio * 50) / 100) + ((points_broken_promises * 30) / 100) + ((points_years_trading * 20) / 100)

capacity := ((points_max_days_late * 30) / 100) + ((points_management_score * 30) / 100) + ((points_sell_through * 20) / 100) + ((points_high_risk_share * 20) / 100)

capital := ((points_debt_ratio * 40) / 100) + ((points_current_ratio * 25) / 100) + ((points_quick_ratio * 20) / 100) + ((points_tnw_to_sales * 15) / 100)

collateral := ((points_collateral_to_sales * 100) / 100)

conditions := ((points_sales_growth * 100) / 100)

score := ((character * 30) / 100) + ((capacity * 25) / 100) + ((capital * 25) / 100) + ((collateral * 10) / 100) + ((conditions * 10) / 100)

# The best grade whose minimum total score is reached.
grade := "AAA" if score >= 90
else := "AA" if score >= 80
else := "A" if score >= 70
else := "BBB" if score >= 60
else := "BB" if score >= 50
else := "B" if score >= 40
else := "CCC" if score >= 30
else := "CC" if score >= 20
else := "C"

# Credit line as percent of annual sales.
percent := 20 if grade == "AAA"
else := 15 if grade == "AA"
else := 10 if grade == "A"
else := 5 if grade == "BBB"
else := 0 if grade == "BB"
else := 0 if grade == "B"
else := 0 if grade == "CCC"
else := 0 if grade == "CC"
else := 0

# No grade but the top one above the general ceiling.
ceiling := 20 if grade == "AAA"
else := 15

sales := input.annual_sales

# Rounded down to the rounding unit.
line := max([floor(min([(sales * percent) / 100, (sales * ceiling) / 100]) / 1000) * 1000, 0])

decision := {"grade": grade, "line": line, "score": score, "points": points}
