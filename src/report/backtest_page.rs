//! The backtest as one self-contained HTML page, in the style of the comparison page
//! ([`super::html`]): no network, the charts inline SVG drawn here (the ROC curves of every
//! side on one chart, the bad rate by grade as bars, the cut-off trade-off as curves), the
//! numbers in tables beside them. The page reads the same with scripts off; its one script
//! only marks the page ready.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::html::{STYLE, esc};
use crate::backtest::{Power, Report, SideReport};
use crate::money::parse_decimal;
use crate::report::money_grouped;

/// The colour of each side, in order (repeats past six sides).
const COLOURS: [&str; 6] = [
    "#1f5fbf", "#c0392b", "#17803d", "#8e44ad", "#d68910", "#5d6d7e",
];

const EXTRA_STYLE: &str = r#"
svg text { font-family: inherit; }
.note { color: #5d6d7e; }
.breaks li { color: #a52a2a; }
"#;

fn colour(i: usize) -> &'static str {
    COLOURS[i % COLOURS.len()]
}

fn money(s: &str) -> String {
    parse_decimal(s).map_or_else(|_| s.to_string(), money_grouped)
}

fn pct(d: Option<Decimal>) -> String {
    d.map_or("-".into(), |d| {
        format!("{:.1}%", (d * Decimal::ONE_HUNDRED).round_dp(1))
    })
}

/// A share for drawing only: the numbers shown are the exact decimals.
fn px(d: Option<Decimal>) -> f64 {
    d.and_then(|d| d.to_f64()).unwrap_or(0.0)
}

fn legend(r: &Report) -> String {
    let mut s = String::from(r#"<p class="legend">"#);
    for (i, side) in r.sides.iter().enumerate() {
        let _ = write!(
            s,
            r#"<span style="background:{}"></span>{}"#,
            colour(i),
            esc(&side.info.label)
        );
    }
    s.push_str("</p>");
    s
}

/// A square chart frame with axes from 0 to `x_max`/`y_max`; returns the SVG head and a
/// function from chart to pixel coordinates.
fn frame(
    id: &str,
    label: &str,
    x_title: &str,
    y_title: &str,
    y_max: f64,
) -> (String, impl Fn(f64, f64) -> (f64, f64)) {
    let (w, h, left, bottom, top, right) = (520.0, 420.0, 60.0, 50.0, 15.0, 20.0);
    let map = move |x: f64, y: f64| {
        (
            left + x * (w - left - right),
            h - bottom - if y_max > 0.0 { y / y_max } else { 0.0 } * (h - bottom - top),
        )
    };
    let mut s = format!(
        r#"<svg id="{id}" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="{}">"#,
        esc(label)
    );
    let (x0, y0) = map(0.0, 0.0);
    let (x1, y1) = map(1.0, y_max);
    let _ = write!(
        s,
        r##"<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#1d2330"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#1d2330"/>"##
    );
    for k in 0..=4 {
        let f = k as f64 / 4.0;
        let (x, _) = map(f, 0.0);
        let (_, y) = map(0.0, f * y_max);
        let _ = write!(
            s,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11">{}</text>"#,
            y0 + 16.0,
            format_args!("{:.0}%", f * 100.0),
            x0 - 6.0,
            y + 4.0,
            format_args!("{:.1}%", f * y_max * 100.0),
        );
    }
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12">{}</text><text x="14" y="{:.1}" text-anchor="middle" font-size="12" transform="rotate(-90 14 {:.1})">{}</text>"#,
        (x0 + x1) / 2.0,
        h - 8.0,
        esc(x_title),
        (y0 + y1) / 2.0,
        (y0 + y1) / 2.0,
        esc(y_title)
    );
    (s, map)
}

fn roc_chart(r: &Report) -> String {
    let (mut s, map) = frame(
        "roc",
        "ROC curves of the score",
        "good clients predicted bad (false positive rate)",
        "bad clients predicted bad (true positive rate)",
        1.0,
    );
    let (ax, ay) = map(0.0, 0.0);
    let (bx, by) = map(1.0, 1.0);
    let _ = write!(
        s,
        r##"<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" stroke="#b0b6c2" stroke-dasharray="4 4"/>"##
    );
    for (i, side) in r.sides.iter().enumerate() {
        let points: Vec<String> = side
            .roc
            .iter()
            .map(|(x, y)| {
                let (px, py) = map(*x, *y);
                format!("{px:.1},{py:.1}")
            })
            .collect();
        let auc = side
            .score
            .as_ref()
            .map_or(String::new(), |p| format!("{}", p.auc));
        let _ = write!(
            s,
            r#"<polyline class="roc" data-side="{}" data-auc="{auc}" data-points="{}" points="{}" fill="none" stroke="{}" stroke-width="2"><title>{}</title></polyline>"#,
            esc(&side.info.label),
            side.roc.len(),
            points.join(" "),
            colour(i),
            esc(&side.info.label)
        );
    }
    s.push_str("</svg>");
    s
}

fn bad_rate_chart(r: &Report) -> String {
    use crate::grade::Grade;
    let rows: Vec<usize> = (0..Grade::ALL.len())
        .filter(|&g| r.sides.iter().any(|s| s.grades[g].clients > 0))
        .collect();
    let top = r
        .sides
        .iter()
        .flat_map(|s| s.grades.iter().map(|g| px(g.bad_rate)))
        .fold(0.0f64, f64::max)
        .max(0.01);
    let (w, h, left, bottom) = (760.0, 280.0, 60.0, 30.0);
    let slot = (w - left) / rows.len().max(1) as f64;
    let n = r.sides.len().max(1) as f64;
    let bar = slot * 0.8 / n;
    let mut s = format!(
        r#"<svg id="bad-rate" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="bad rate by grade">"#
    );
    for (k, &g) in rows.iter().enumerate() {
        let x = left + slot * k as f64;
        for (i, side) in r.sides.iter().enumerate() {
            let row = &side.grades[g];
            let height = px(row.bad_rate) / top * (h - bottom - 20.0);
            let _ = write!(
                s,
                r#"<rect class="bad-rate" data-side="{}" data-grade="{}" data-rate="{}" x="{:.1}" y="{:.1}" width="{bar:.1}" height="{height:.1}" fill="{}"><title>{} {}: {} ({} of {})</title></rect>"#,
                esc(&side.info.label),
                row.grade,
                row.bad_rate.map_or(String::new(), |d| d.to_string()),
                x + slot * 0.1 + bar * i as f64,
                h - bottom - height,
                colour(i),
                esc(&side.info.label),
                row.grade,
                pct(row.bad_rate),
                row.bad,
                row.clients
            );
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12">{}</text>"#,
            x + slot / 2.0,
            h - 10.0,
            Grade::ALL[g]
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{y}" x2="{w}" y2="{y}" stroke="#1d2330"/><text x="4" y="20" font-size="12">{:.1}%</text></svg>"##,
        top * 100.0,
        y = h - bottom
    );
    s
}

fn tradeoff_chart(r: &Report) -> String {
    let top = r
        .sides
        .iter()
        .flat_map(|s| s.cutoffs.iter().map(|c| px(c.bad_rate)))
        .fold(0.0f64, f64::max)
        .max(0.01);
    let (mut s, map) = frame(
        "tradeoff",
        "cut-off trade-off: approved share against bad rate",
        "clients given a line (approved share)",
        "bad rate of those approved",
        top,
    );
    for (i, side) in r.sides.iter().enumerate() {
        let pts: Vec<(f64, f64, &str)> = side
            .cutoffs
            .iter()
            .filter(|c| c.approved > 0)
            .map(|c| {
                let (x, y) = map(px(c.approved_share), px(c.bad_rate));
                (x, y, c.lowest_grade)
            })
            .collect();
        let line: Vec<String> = pts
            .iter()
            .map(|(x, y, _)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            s,
            r#"<polyline class="tradeoff" data-side="{}" points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            esc(&side.info.label),
            line.join(" "),
            colour(i)
        );
        for (x, y, g) in &pts {
            let _ = write!(
                s,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{}"><title>{}: down to {g}</title></circle><text x="{:.1}" y="{:.1}" font-size="10">{g}</text>"#,
                colour(i),
                esc(&side.info.label),
                x + 5.0,
                y - 5.0
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn power_cells(p: Option<&Power>) -> String {
    match p {
        None => r#"<td colspan="4">no good and bad clients both: not defined</td>"#.into(),
        Some(p) => format!(
            r#"<td data-value="{}">{:.3} ({:.3}-{:.3})</td><td data-value="{}">{:.3} ({:.3}-{:.3})</td><td data-value="{}">{:.3} ({:.3}-{:.3})</td><td>{}</td>"#,
            p.auc,
            p.auc,
            p.auc_ci.0,
            p.auc_ci.1,
            p.gini,
            p.gini,
            p.gini_ci.0,
            p.gini_ci.1,
            p.ks,
            p.ks,
            p.ks_ci.0,
            p.ks_ci.1,
            esc(&p.ks_at)
        ),
    }
}

fn side_tables(s: &mut String, i: usize, side: &SideReport) {
    let _ = write!(
        s,
        r#"<h3 style="color:{}">{}</h3><table class="grades" data-side="{}"><tr><th class="text">grade</th><th>clients</th><th>bad</th><th>bad rate</th><th>lines</th><th>lines to bad</th><th>loss</th></tr>"#,
        colour(i),
        esc(&side.info.label),
        esc(&side.info.label)
    );
    for g in side.grades.iter().filter(|g| g.clients > 0) {
        let _ = write!(
            s,
            r#"<tr data-grade="{}"><td class="text">{}</td><td>{}</td><td>{}</td><td data-rate="{}">{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            g.grade,
            g.grade,
            g.clients,
            g.bad,
            g.bad_rate.map_or(String::new(), |d| d.to_string()),
            pct(g.bad_rate),
            if g.few { " *" } else { "" },
            money(&g.lines),
            money(&g.lines_to_bad),
            money(&g.loss)
        );
    }
    s.push_str("</table>");
    if side.order_breaks.is_empty() {
        s.push_str(r#"<p class="order-ok">The bad rate rises as the grade falls.</p>"#);
    } else {
        s.push_str(r#"<ul class="breaks">"#);
        for b in &side.order_breaks {
            let _ = write!(
                s,
                "<li>The bad rate does not rise as the grade falls: {}</li>",
                esc(b)
            );
        }
        s.push_str("</ul>");
    }
    let _ = write!(
        s,
        r#"<table class="cutoffs" data-side="{}"><tr><th class="text">lowest grade with a line</th><th>approved</th><th>share</th><th>bad rate</th><th>loss</th><th>business turned away</th></tr>"#,
        esc(&side.info.label)
    );
    for c in &side.cutoffs {
        let _ = write!(
            s,
            r#"<tr><td class="text">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            c.lowest_grade,
            c.approved,
            pct(c.approved_share),
            pct(c.bad_rate),
            money(&c.loss),
            money(&c.turned_away_sales)
        );
    }
    s.push_str("</table>");
}

/// The whole page.
pub fn page(r: &Report) -> String {
    let mut s = String::new();
    let names: Vec<&str> = r.sides.iter().map(|x| x.info.label.as_str()).collect();
    let _ = write!(
        s,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Backtest: {}</title><style>{STYLE}{EXTRA_STYLE}</style></head><body data-ready="0"><h1>Backtest on known outcomes</h1>"#,
        esc(&names.join(" vs "))
    );
    s.push_str(r#"<table class="sides"><tr><th class="text">side</th><th class="text">policy</th><th class="text">version</th><th class="text">hash</th><th class="text">as of</th><th class="text">economy</th></tr>"#);
    for (i, side) in r.sides.iter().enumerate() {
        let _ = write!(
            s,
            r#"<tr class="side" data-side="{label}"><td style="color:{}">{label}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>"#,
            colour(i),
            esc(&side.info.policy.name),
            esc(&side.info.policy.version),
            esc(&side.info.policy.hash),
            esc(&side.info.as_of),
            esc(&side.info.economy),
            label = esc(&side.info.label),
        );
    }
    let p = &r.population;
    let _ = write!(
        s,
        r#"</table><p>Snapshot <code>{}</code>, outcomes <code>{}</code>: <b id="measured">{}</b> clients measured, <b id="bad">{}</b> went bad (<span id="bad-rate-all">{}</span>), <span id="good">{}</span> stayed good; <span id="without">{}</span> decided without an outcome (not measured), <span id="rejected">{}</span> snapshot and <span id="outcome-rejected">{}</span> outcome rows rejected, <span id="unknown">{}</span> outcomes for unknown clients. Over the period: loss <b id="loss" data-amount="{}">{}</b>, sales {}.</p><p class="note">A higher score is a better client: a client at or below a threshold is predicted bad. AUC: the chance that a client that stayed good scores above one that went bad (ties one half), with its 95% DeLong interval; Gini = 2 AUC - 1; KS: the widest gap between the shares of bad and good clients at or below a score, with a 95% stratified bootstrap interval.</p>"#,
        esc(&r.snapshot),
        esc(&r.outcomes),
        p.measured,
        p.bad,
        pct(p.bad_rate),
        p.good,
        p.without_outcome.count,
        p.rejected_rows,
        p.outcome_rejected,
        p.unknown.len(),
        p.loss,
        money(&p.loss),
        money(&p.sales)
    );

    s.push_str("<h2>Power to separate good from bad</h2>");
    s.push_str(&legend(r));
    s.push_str(&roc_chart(r));
    s.push_str(r#"<table id="power"><tr><th class="text">side</th><th class="text">ranking</th><th>AUC (95%)</th><th>Gini (95%)</th><th>KS (95%)</th><th>KS widest at</th></tr>"#);
    for side in &r.sides {
        for (what, p) in [
            ("score", side.score.as_ref()),
            ("grade", side.grade_power.as_ref()),
        ] {
            let _ = write!(
                s,
                r#"<tr data-side="{}" data-ranking="{what}"><td class="text">{}</td><td class="text">{what}</td>{}</tr>"#,
                esc(&side.info.label),
                esc(&side.info.label),
                power_cells(p)
            );
        }
    }
    s.push_str("</table>");

    s.push_str("<h2>Credit granted to clients that went bad, against credit refused to clients that stayed good</h2>");
    s.push_str(r#"<table id="approval"><tr><th class="text"></th>"#);
    for side in &r.sides {
        let _ = write!(s, "<th>{}</th>", esc(&side.info.label));
    }
    s.push_str("</tr>");
    type Row<'a> = (&'a str, &'a str, fn(&SideReport) -> String);
    let rows: [Row<'_>; 8] = [
        ("approved", "given a line", |x| {
            format!(
                "{} ({})",
                x.approval.approved,
                pct(x.approval.approved_share)
            )
        }),
        ("approved-bad", "bad among them", |x| {
            format!(
                "{} ({})",
                x.approval.approved_bad,
                pct(x.approval.approved_bad_rate)
            )
        }),
        ("lines-to-bad", "lines to clients that went bad", |x| {
            money(&x.approval.lines_to_bad)
        }),
        ("loss-on-approved", "loss on clients given a line", |x| {
            money(&x.approval.loss_on_approved)
        }),
        ("refused-bad", "bad clients refused", |x| {
            x.approval.refused_bad.to_string()
        }),
        ("loss-avoided", "loss on clients refused", |x| {
            money(&x.approval.loss_avoided)
        }),
        ("refused-good", "good clients refused", |x| {
            x.approval.refused_good.to_string()
        }),
        ("turned-away", "business turned away (their sales)", |x| {
            money(&x.approval.turned_away_sales)
        }),
    ];
    for (id, label, f) in rows {
        let _ = write!(s, r#"<tr id="{id}"><td class="text">{label}</td>"#);
        for side in &r.sides {
            let _ = write!(s, "<td>{}</td>", f(side));
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>");

    s.push_str("<h2>Bad rate by grade</h2>");
    s.push_str(&legend(r));
    s.push_str(&bad_rate_chart(r));
    s.push_str("<h2>Cut-off trade-off</h2><p>For each lowest grade that would get a line: the share of clients approved against the bad rate among them.</p>");
    s.push_str(&legend(r));
    s.push_str(&tradeoff_chart(r));
    s.push_str("<h2>By grade and cut-off, each side</h2>");
    for (i, side) in r.sides.iter().enumerate() {
        side_tables(&mut s, i, side);
    }

    if let Some(b) = &r.baseline {
        let _ = write!(
            s,
            r#"<h2>Stability from <code>{}</code></h2><p>Population stability index from the earlier snapshot to this one; below 0.1 stable, 0.1 to 0.25 some shift, above 0.25 a major shift. The score and each criterion are binned by the deciles of the earlier snapshot, the grade by grade; an empty bin counts as a share of 0.0001.</p><table id="stability"><tr><th class="text">measure</th>"#,
            esc(b)
        );
        for side in &r.sides {
            let _ = write!(s, "<th>{}</th>", esc(&side.info.label));
        }
        s.push_str("</tr>");
        if let Some(first) = r.sides.first() {
            for (k, m) in first.stability.iter().enumerate() {
                let _ = write!(
                    s,
                    r#"<tr data-measure="{}"><td class="text">{}</td>"#,
                    esc(&m.measure),
                    esc(&m.measure)
                );
                for side in &r.sides {
                    let cell = side.stability.get(k).and_then(|p| p.psi.zip(p.verdict));
                    match cell {
                        Some((v, verdict)) => {
                            let _ = write!(s, r#"<td data-value="{v}">{v:.4} {verdict}</td>"#);
                        }
                        None => s.push_str("<td>-</td>"),
                    }
                }
                s.push_str("</tr>");
            }
        }
        s.push_str("</table>");
    }
    s.push_str(r#"<script>document.body.setAttribute("data-ready", "1");</script></body></html>"#);
    s.push('\n');
    s
}
