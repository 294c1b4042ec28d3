# Policy `standard` 1.0.0 with its rules, for the peers. The scoring part and every number below
# are generated from policies/standard/policy.toml; the rules (rules/knockout.rhai, rules/channel.rhai)
# and what the engine does with their effects are translated by hand (bench-peers/src/rules.rs).
# Regenerate with `cargo run --release -- --write` in bench-peers/; the benchmark refuses to run
# when this file differs from what the policy generates.

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

# ---- With the rules ----

grades := ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"]

# The base grade's rank (AAA 0 ... C 8): the best whose minimum score is reached.
base_rank := 0 if score >= 90
else := 1 if score >= 80
else := 2 if score >= 70
else := 3 if score >= 60
else := 4 if score >= 50
else := 5 if score >= 40
else := 6 if score >= 30
else := 7 if score >= 20
else := 8

# What the rules read besides the measured facts (null when unknown).
annual_sales := object.get(input, "annual_sales", null)
net_worth := object.get(input, "net_worth", null)
total_assets := object.get(input, "total_assets", null)
total_liabilities := object.get(input, "total_liabilities", null)
current_assets := object.get(input, "current_assets", null)
current_liabilities := object.get(input, "current_liabilities", null)
overdue_over_30 := object.get(input, "overdue_over_30", null)
cross_region_share := object.get(input, "cross_region_share", null)
inventory_growth := object.get(input, "inventory_growth", null)
receivable_growth := object.get(input, "receivable_growth", null)
exposure := object.get(input, "exposure", null)
temporary_line := object.get(input, "temporary_line", null)
requested_line := object.get(input, "requested_line", null)
deposit := object.get(input, "deposit", null)
guarantee := object.get(input, "guarantee", null)
insured_limit := object.get(input, "insured_limit", null)
collateral_value := object.get(input, "collateral_value", null)
distress_confirmed := object.get(input, "distress_confirmed", null)
key_account := object.get(input, "key_account", null)
last_review := object.get(input, "last_review", null)
previous_grade := object.get(input, "previous_grade", null)
temporary_line_until := object.get(input, "temporary_line_until", null)
company_healthy := object.get(input, "company_healthy", null)
as_of := input.as_of
economy := input.economy

# ---- rules/knockout.rhai ----

# 1. Business confirmed to be failing: terminate, grade C.
default terminate := false
terminate if distress_confirmed == true

# 2. Pays late (on-time ratio under 0.8) or delays past the terms plus the margin (90
#    days): no better than BB.
default poor_payment := false
poor_payment if { is_number(on_time_ratio); on_time_ratio < 0.8 }
poor_payment if { is_number(max_days_late); max_days_late > 90 }

# 3. Repeated broken promises: no better than CCC.
default wilful_non_payment := false
wilful_non_payment if { is_number(broken_promises); broken_promises >= 3 }

# 4. Negative net worth: no better than BB, no unsecured line.
default negative_net_worth := false
negative_net_worth if { is_number(net_worth); net_worth <= 0 }

# 5. No balance sheet at all: require collateral.
default no_statements := false
no_statements if {
	total_assets == null
	total_liabilities == null
	current_assets == null
	current_liabilities == null
}

# 6. No sales: no better than BB, no unsecured line.
default no_sales := false
no_sales if annual_sales == 0

# 7. Credit standing unknown: require collateral.
default no_payment_history := false
no_payment_history if on_time_ratio == null

default never_reviewed := false
never_reviewed if { on_time_ratio != null; last_review == null }

# 8. Money more than 30 days overdue beyond the tolerance: hold.
default overdue_over_30_hold := false
overdue_over_30_hold if { is_number(overdue_over_30); overdue_over_30 > 10000 }

# 9. Score gives C, business not confirmed failing: review now.
default termination_review := false
termination_review if { base_rank == 8; distress_confirmed != true }

# ---- rules/channel.rhai ----

default low_sell_through := false
low_sell_through if { is_number(sell_through); sell_through < 0.6 }

default cross_region := false
cross_region if { is_number(cross_region_share); cross_region_share > 0.1 }

default inventory_outgrowing_sales := false
inventory_outgrowing_sales if {
	is_number(inventory_growth)
	is_number(sales_growth)
	inventory_growth - sales_growth > 0.2
}

signs := count([1 | some on in [low_sell_through, cross_region, inventory_outgrowing_sales]; on])

default receivables_outgrowing_sales := false
receivables_outgrowing_sales if {
	is_number(receivable_growth)
	is_number(sales_growth)
	receivable_growth - sales_growth > 0.2
}

default high_risk_investment := false
high_risk_investment if { is_number(high_risk_share); high_risk_share >= 0.3 }

default weak_company_key_account := false
weak_company_key_account if {
	company_healthy == false
	key_account == true
	negative_sign
}

negative_sign if { is_number(on_time_ratio); on_time_ratio < 0.95 }
negative_sign if { is_number(sales_growth); sales_growth < 0 }
negative_sign if { is_number(max_days_late); max_days_late > 30 }

# ---- the effects, as the engine applies them ----

# Grade caps, as ranks (the worst cap wins).
caps contains 8 if terminate
caps contains 4 if poor_payment
caps contains 6 if wilful_non_payment
caps contains 4 if negative_net_worth
caps contains 4 if no_sales
caps contains 2 if signs >= 2
caps contains 1 if signs == 1

rule_rank := max(caps | {base_rank})

clamp(r) := min([max([r, 0]), 8])

# Economy: [notches, line factor].
overlays := {"normal": [0, 1], "recession": [1, 1]}

overlay := overlays[economy]

economy_rank := clamp(rule_rank + overlay[0])

# Our own balance sheet weak: 0 notch(es), lines x0.8.
default company_weak := false
company_weak if company_healthy == false

final_rank := clamp(economy_rank + 0) if company_weak
else := economy_rank

company_factor := [0.8] if company_weak
else := []

grade := grades[final_rank]

sell_factor := [sell_through] if low_sell_through
else := []

# The line factor: the rules' scale_line, then the economy, then our own health.
factor := product(array.concat(array.concat(sell_factor, [overlay[1]]), company_factor))

default withheld := false
withheld if negative_net_worth
withheld if no_sales
withheld if require_collateral

default require_collateral := false
require_collateral if no_statements
require_collateral if no_payment_history
require_collateral if never_reviewed

default watch := false
watch if low_sell_through
watch if cross_region
watch if inventory_outgrowing_sales
watch if receivables_outgrowing_sales
watch if high_risk_investment
watch if weak_company_key_account

# ---- the line ----
# Amounts are summed in ten-thousandths of a unit (cents times percent), whole numbers, so that
# the secured cover added to the unsecured line is exact in floating point.

sales := annual_sales if is_number(annual_sales)
else := 0

percents := [20, 15, 10, 5, 0, 0, 0, 0, 0]

ceiling_percent := 20 if final_rank == 0
else := 15

rounded(v) := max([floor(v / 1000) * 1000, 0])

ceiling_amount := (sales * ceiling_percent) / 100

unsecured_full := rounded(min([((sales * percents[final_rank]) / 100) * factor, ceiling_amount]))

unsecured := 0 if withheld
else := unsecured_full

# A temporary line, on an unsecured line only, while it runs, never past the ceiling.
temporary := rounded(min([temporary_line, room])) if {
	is_number(temporary_line)
	temporary_line != 0
	temporary_line_until != null
	temporary_line_until >= as_of
	unsecured > 0
	room := max([rounded(ceiling_amount) - unsecured, 0])
}
else := 0

units(v) := round(v * 100) * 100

security := [[deposit, 100], [guarantee, 100], [insured_limit, 90], [collateral_value, 50]]

cover_units := sum([(round(v * 100) * p) | some pair in security; v := pair[0]; is_number(v); p := pair[1]])

line_units := 0 if terminate
else := units(requested_line) if {
	is_number(requested_line)
	units(requested_line) < units(unsecured + temporary) + cover_units
}
else := units(unsecured + temporary) + cover_units

limit := line_units / 10000

# ---- review and actions ----

# "2026-03-07" as [2026, 3, 7] ("1" put before "03" so that no number is read with a leading 0).
ymd(s) := [to_number(substring(s, 0, 4)), to_number(concat("", ["1", substring(s, 5, 2)])) - 100, to_number(concat("", ["1", substring(s, 8, 2)])) - 100]

leap(y) if { y % 4 == 0; y % 100 != 0 }
leap(y) if y % 400 == 0

month_days(y, m) := 29 if { m == 2; leap(y) }
else := [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]

# A date plus n months, the day held to the month's last (2024-01-31 + 1 month = 2024-02-29).
add_months(d, n) := [y, m, min([d[2], month_days(y, m)])] if {
	t := ((d[0] * 12) + d[1] - 1) + n
	y := floor(t / 12)
	m := (t - (y * 12)) + 1
}

before_march(m) := 1 if m <= 2
else := 0

# Days since 1970-01-01 (days_from_civil).
day_number(d) := ((era * 146097) + doe) - 719468 if {
	y := d[0] - before_march(d[1])
	era := floor(y / 400)
	yoe := y - (era * 400)
	doy := (floor(((153 * ((d[1] + 9) % 12)) + 2) / 5) + d[2]) - 1
	doe := (((yoe * 365) + floor(yoe / 4)) - floor(yoe / 100)) + doy
}

by_grade := [null, null, null, 6, 3, 3, 1, 1, 1]

base_months := 6 if key_account == true
else := 12

months := base_months if by_grade[final_rank] == null
else := min([by_grade[final_rank], base_months])

today := day_number(ymd(as_of))

usual_review := day_number(add_months(ymd(last_review), months)) if last_review != null
else := today

# Down 2 notches or more from the previous grade: reviewed within 3 months.
next_review := by if {
	previous_grade != null
	some previous_rank, g in grades
	g == previous_grade
	final_rank - previous_rank >= 2
	by := day_number(add_months(ymd(as_of), 3))
	by < usual_review
}
else := usual_review

# Overdue past the grace: hold.
default review_overdue := false
review_overdue if { last_review != null; today - next_review > 30 }

default review_due := false
review_due if next_review <= today
review_due if termination_review

default hold := false
hold if terminate
hold if overdue_over_30_hold
hold if not is_number(exposure)
hold if { is_number(exposure); units(exposure) > line_units }
hold if review_overdue

actions := [a | some pair in [
	[terminate, "terminate"],
	[hold, "hold"],
	[require_collateral, "require_collateral"],
	[review_due, "review_due"],
	[watch, "watch"],
]; pair[0]; a := pair[1]]

# The rule codes given, as the scripts name them.
codes contains "distress_confirmed" if terminate
codes contains "failing_business" if terminate
codes contains "poor_payment" if poor_payment
codes contains "wilful_non_payment" if wilful_non_payment
codes contains "negative_net_worth" if negative_net_worth
codes contains "no_statements" if no_statements
codes contains "no_sales" if no_sales
codes contains "no_payment_history" if no_payment_history
codes contains "never_reviewed" if never_reviewed
codes contains "overdue_over_30" if overdue_over_30_hold
codes contains "termination_review" if termination_review
codes contains "low_sell_through" if low_sell_through
codes contains "line_on_sell_out" if low_sell_through
codes contains "cross_region" if cross_region
codes contains "inventory_outgrowing_sales" if inventory_outgrowing_sales
codes contains "fake_big_client" if signs >= 2
codes contains "channel_sign" if signs == 1
codes contains "receivables_outgrowing_sales" if receivables_outgrowing_sales
codes contains "high_risk_investment" if high_risk_investment
codes contains "weak_company_key_account" if weak_company_key_account

decision := {"grade": grade, "line": limit, "score": score, "points": points, "actions": actions, "codes": codes}
