//! The comparison as one self-contained HTML page: no network, styles and the sorting script
//! inline. The migration matrix is a heat map with the diagonal marked, credit per grade a bar
//! chart (inline SVG), the changed clients a table sorted by clicking a header (every one up to
//! [`crate::compare::LISTED`], else that many of the largest moves, saying how many there are in
//! all), and the page ends with both policies' identities and what changed between them. Everything is drawn
//! here, so the page reads the same with scripts off; the script only sorts.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::compare::Report;
use crate::grade::Grade;
use crate::money::parse_decimal;
use crate::policy::diff::PolicyDiff;
use crate::report::money_grouped;

/// Escapes text for HTML.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn money(s: &str) -> String {
    parse_decimal(s)
        .map(money_grouped)
        .unwrap_or_else(|_| s.to_string())
}

pub(crate) const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2rem; color: #1d2330; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #e3e6ec; text-align: right; }
th { background: #f4f6f9; cursor: default; }
td.text, th.text { text-align: left; }
#migration td { width: 3.2rem; text-align: center; border: 1px solid #e3e6ec; }
#migration td.diag { outline: 2px solid #1d2330; outline-offset: -2px; font-weight: 700; }
#changed th { cursor: pointer; user-select: none; }
#changed th.sorted-asc::after { content: " ▲"; } #changed th.sorted-desc::after { content: " ▼"; }
.up { color: #17663a; } .down { color: #a52a2a; }
.sides td { text-align: left; } code { font-size: .85em; }
pre { background: #f4f6f9; padding: 1rem; overflow-x: auto; }
.legend span { display: inline-block; width: .9rem; height: .9rem; margin: 0 .3rem 0 1rem; vertical-align: middle; }
"#;

const SORT_SCRIPT: &str = r#"
(function () {
  var table = document.getElementById("changed");
  if (!table) { document.body.setAttribute("data-ready", "1"); return; }
  var heads = table.tHead.rows[0].cells;
  function key(cell, numeric) {
    var v = cell.getAttribute("data-sort") || cell.textContent;
    return numeric ? parseFloat(v) : v;
  }
  Array.prototype.forEach.call(heads, function (th, i) {
    th.addEventListener("click", function () {
      var numeric = th.getAttribute("data-type") === "number";
      var asc = !th.classList.contains("sorted-asc");
      Array.prototype.forEach.call(heads, function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
      th.classList.add(asc ? "sorted-asc" : "sorted-desc");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a.cells[i], numeric), y = key(b.cells[i], numeric);
        var c = numeric ? x - y : String(x).localeCompare(String(y));
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  document.body.setAttribute("data-ready", "1");
})();
"#;

/// The heat colour of a matrix cell: white for none, deeper blue for more.
fn heat(n: u64, max: u64) -> String {
    if n == 0 || max == 0 {
        return "#ffffff".into();
    }
    let share = n as f64 / max as f64; // colour only, never a number anyone reads
    let light = 96.0 - share * 50.0;
    format!("hsl(212, 70%, {light:.0}%)")
}

fn bars(r: &Report) -> String {
    use rust_decimal::prelude::ToPrimitive;
    let amounts: Vec<(Decimal, Decimal)> = r
        .per_grade
        .iter()
        .map(|g| {
            (
                parse_decimal(&g.limit_a).unwrap_or_default(),
                parse_decimal(&g.limit_b).unwrap_or_default(),
            )
        })
        .collect();
    let top = amounts
        .iter()
        .flat_map(|(a, b)| [*a, *b])
        .max()
        .unwrap_or_default();
    // Pixels only: the amounts shown are the exact decimals above.
    let max = top.to_f64().unwrap_or(0.0);
    let values: Vec<(f64, f64)> = amounts
        .iter()
        .map(|(a, b)| (a.to_f64().unwrap_or(0.0), b.to_f64().unwrap_or(0.0)))
        .collect();
    let (width, height, left, bottom) = (760.0, 260.0, 70.0, 30.0);
    let slot = (width - left) / 9.0;
    let scale = |v: f64| {
        if max > 0.0 {
            v / max * (height - bottom - 20.0)
        } else {
            0.0
        }
    };
    let mut s = format!(
        r#"<svg id="bars" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="credit granted per grade under A and B">"#
    );
    for (i, (g, (a, b))) in r.per_grade.iter().zip(&values).enumerate() {
        let x = left + slot * i as f64;
        let (ha, hb) = (scale(*a), scale(*b));
        let _ = write!(
            s,
            r##"<rect class="bar-a" data-grade="{grade}" data-amount="{la}" x="{xa:.1}" y="{ya:.1}" width="{w:.1}" height="{ha:.1}" fill="#7a8fb3"><title>A {grade}: {ma}</title></rect><rect class="bar-b" data-grade="{grade}" data-amount="{lb}" x="{xb:.1}" y="{yb:.1}" width="{w:.1}" height="{hb:.1}" fill="#1f5fbf"><title>B {grade}: {mb}</title></rect><text x="{xt:.1}" y="{yt:.1}" text-anchor="middle" font-size="12">{grade}</text>"##,
            grade = g.grade,
            la = g.limit_a,
            lb = g.limit_b,
            ma = money(&g.limit_a),
            mb = money(&g.limit_b),
            xa = x + slot * 0.12,
            xb = x + slot * 0.5,
            w = slot * 0.36,
            ya = height - bottom - ha,
            yb = height - bottom - hb,
            xt = x + slot * 0.5,
            yt = height - 10.0,
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{y}" x2="{width}" y2="{y}" stroke="#1d2330"/><text x="4" y="20" font-size="12">{top}</text></svg>"##,
        y = height - bottom,
        top = esc(&money_grouped(
            rust_decimal::Decimal::from_f64_retain(max)
                .unwrap_or_default()
                .round()
        )),
    );
    s
}

/// The whole page.
pub fn compare_page(r: &Report, diff: &PolicyDiff) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Policy comparison: {} vs {}</title><style>{STYLE}</style></head><body data-ready="0"><h1>What B does to the book, compared with A</h1>"#,
        esc(&r.a.policy.name),
        esc(&r.b.policy.name)
    );
    s.push_str(r#"<table class="sides"><tr><th class="text">side</th><th class="text">policy</th><th class="text">version</th><th class="text">hash</th><th class="text">as of</th><th class="text">economy</th></tr>"#);
    for (name, side) in [("A", &r.a), ("B", &r.b)] {
        let _ = write!(
            s,
            r#"<tr id="side-{name}"><td>{name}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>"#,
            esc(&side.policy.name),
            esc(&side.policy.version),
            esc(&side.policy.hash),
            esc(&side.as_of),
            esc(&side.economy)
        );
    }
    let _ = write!(
        s,
        r#"</table><p><span id="clients">{}</span> clients compared, <span id="rejected">{}</span> rows rejected. Credit granted: A <b id="total-a" data-amount="{}">{}</b>, B <b id="total-b" data-amount="{}">{}</b>, change <b id="total-delta" data-amount="{}">{}</b>. On hold: A {} clients ({}), B {} clients ({}).</p>"#,
        r.clients,
        r.rejected,
        r.limit_total.a,
        money(&r.limit_total.a),
        r.limit_total.b,
        money(&r.limit_total.b),
        r.limit_total.delta,
        money(&r.limit_total.delta),
        r.hold_a.clients,
        money(&r.hold_a.exposure),
        r.hold_b.clients,
        money(&r.hold_b.exposure),
    );

    s.push_str(r#"<h2>Grade migration</h2><p>Rows: grade under A. Columns: grade under B. The outlined diagonal is no change.</p><table id="migration"><tr><th>A \ B</th>"#);
    for g in Grade::ALL {
        let _ = write!(s, "<th>{g}</th>");
    }
    s.push_str("</tr>");
    let m = r.matrix();
    let max = m.iter().flatten().copied().max().unwrap_or(0);
    for (i, row) in m.iter().enumerate() {
        let _ = write!(s, "<tr><th>{}</th>", Grade::ALL[i]);
        for (j, n) in row.iter().enumerate() {
            let class = if i == j { r#" class="diag""# } else { "" };
            let _ = write!(
                s,
                r#"<td{class} data-a="{}" data-b="{}" data-count="{n}" style="background:{}">{}</td>"#,
                Grade::ALL[i],
                Grade::ALL[j],
                heat(*n, max),
                if *n == 0 {
                    String::new()
                } else {
                    n.to_string()
                }
            );
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>");

    s.push_str(r##"<h2>Credit granted per grade</h2><p class="legend"><span style="background:#7a8fb3"></span>A<span style="background:#1f5fbf"></span>B</p>"##);
    s.push_str(&bars(r));
    s.push_str(r#"<table id="per-grade"><tr><th class="text">grade</th><th>clients A</th><th>line A</th><th>clients B</th><th>line B</th><th>change</th></tr>"#);
    for g in &r.per_grade {
        let _ = write!(
            s,
            "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            g.grade,
            g.clients_a,
            money(&g.limit_a),
            g.clients_b,
            money(&g.limit_b),
            money(&g.delta)
        );
    }
    s.push_str("</table>");

    let a = &r.actions;
    s.push_str("<h2>Actions that change</h2><ul>");
    for (label, list) in [
        ("newly held", &a.newly_held),
        ("released from hold", &a.released),
        ("newly terminated", &a.newly_terminated),
        ("newly on watch", &a.newly_watched),
        ("newly asked for collateral", &a.newly_collateral),
    ] {
        let more = match list.more() {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        let _ = write!(
            s,
            "<li>{label}: <b>{}</b> {}{more}</li>",
            list.count,
            esc(&list.first.join(", "))
        );
    }
    s.push_str("</ul>");

    let listed = if r.changed_cut() {
        format!(
            r#"<p id="changed-cut">{} clients changed; the {} largest moves are listed; <code>--format csv --output FILE</code> lists every one. Click a column to sort.</p>"#,
            group_count(r.changed_count),
            r.changed.len()
        )
    } else {
        "<p>Click a column to sort.</p>".to_string()
    };
    let _ = write!(
        s,
        r#"<h2>Clients whose decision changes (<span id="changed-count">{}</span>)</h2>{listed}<table id="changed"><thead><tr><th class="text">id</th><th class="text">name</th><th class="text">grade A</th><th class="text">grade B</th><th data-type="number">line A</th><th data-type="number">line B</th><th data-type="number">change</th><th class="text">actions A</th><th class="text">actions B</th><th class="text">why, under B</th></tr></thead><tbody>"#,
        r.changed_count
    );
    for c in &r.changed {
        let class = if c.delta_value.is_sign_negative() && !c.delta_value.is_zero() {
            "down"
        } else if c.delta_value.is_zero() {
            ""
        } else {
            "up"
        };
        let _ = write!(
            s,
            r#"<tr data-id="{id}"><td class="text">{id}</td><td class="text">{name}</td><td class="text" data-sort="{ra}">{ga}</td><td class="text" data-sort="{rb}">{gb}</td><td data-sort="{la}">{ma}</td><td data-sort="{lb}">{mb}</td><td class="{class}" data-sort="{d}">{md}</td><td class="text">{aa}</td><td class="text">{ab}</td><td class="text">{why}</td></tr>"#,
            id = esc(&c.id),
            name = esc(c.name.as_deref().unwrap_or("")),
            ra = grade_rank(c.grade_a),
            rb = grade_rank(c.grade_b),
            ga = c.grade_a,
            gb = c.grade_b,
            la = c.limit_a,
            lb = c.limit_b,
            ma = money(&c.limit_a),
            mb = money(&c.limit_b),
            d = c.delta,
            md = money(&c.delta),
            aa = c.actions_a.join(" "),
            ab = c.actions_b.join(" "),
            why = esc(&c
                .line_why
                .iter()
                .map(|w| w.text.as_str())
                .chain(c.reasons_b_only.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join("; ")),
        );
    }
    s.push_str("</tbody></table>");

    if let Some(by) = &r.by {
        let _ = write!(
            s,
            "<h2>By {}</h2><table id=\"by\"><tr><th class=\"text\">{}</th><th>clients</th><th>line A</th><th>line B</th><th>change</th><th>held A</th><th>held B</th></tr>",
            esc(&by.column),
            esc(&by.column)
        );
        for g in &by.groups {
            let _ = write!(
                s,
                "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&g.value),
                g.clients,
                money(&g.limit_a),
                money(&g.limit_b),
                money(&g.delta),
                g.held_a,
                g.held_b
            );
        }
        s.push_str("</table>");
    }

    s.push_str("<h2>What changed in the policy</h2>");
    if diff.is_empty() {
        s.push_str(
            r#"<p id="diff">The two sides use the same policy text; only the context differs.</p>"#,
        );
    } else {
        s.push_str(r#"<pre id="diff">"#);
        for c in &diff.changes {
            let _ = writeln!(s, "{}", esc(c));
        }
        for (_, t) in &diff.texts {
            let _ = writeln!(s, "\n{}", esc(t));
        }
        s.push_str("</pre>");
    }
    let _ = writeln!(s, "<script>{SORT_SCRIPT}</script></body></html>");
    s
}

/// A count with thousands separators: `12,345`.
pub fn group_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn grade_rank(g: &str) -> usize {
    g.parse::<Grade>().map_or(9, Grade::rank)
}
