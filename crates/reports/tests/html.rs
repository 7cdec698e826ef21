//! The HTML email body and its plain-text twin.

mod common;

use common::report;
use rapport_reports::{html, text};

#[test]
fn the_html_email_is_self_contained_escaped_and_compares_with_the_previous_period() {
    let page = html(&report());
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("max-width:640px"));

    // Caller text is escaped: the quote's <script> is shown, never run.
    assert!(page
        .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Tom fixed it in five minutes &amp; explained why."));
    assert!(!page.to_lowercase().contains("<script"), "no script element");
    assert!(page.contains("服务很好，谢谢！Ana was great 👍🎉"));

    // No external resources: nothing to load, nothing to track.
    let lower = page.to_lowercase();
    for forbidden in ["src=", "href=", "url(", "@import", "<link", "<img", "<iframe", "<object", "<embed", "xmlns"] {
        assert!(!lower.contains(forbidden), "the email must not contain {forbidden:?}");
    }
    // The only "http" is inside the escaped table text of the injection cell.
    assert_eq!(lower.matches("http").count(), 1, "http appears only in the escaped cell text");
    assert!(page.contains("=HYPERLINK(&quot;http://x&quot;)"));

    // The trend as inline SVG: band, line, dashed target, axis labels.
    assert_eq!(page.matches("<svg").count(), 1);
    assert_eq!(page.matches("</svg>").count(), 1);
    assert!(page.contains("<polygon"), "the 95 % band");
    assert!(page.contains("<polyline"), "the line");
    assert!(page.contains("stroke-dasharray=\"6 4\""), "the dashed target");
    assert!(page.contains(">Target 90 %</text>"));
    assert!(page.contains(">90 %</text>") && page.contains(">70 %</text>"), "y axis labels");
    assert!(page.contains(">Oct 2026</text>") && page.contains(">Oct 2025</text>"), "x axis labels");
    assert!(page.contains("#0072B2") && page.contains("#D55E00"), "Okabe–Ito colours");
    assert!(page.contains("Latest: Oct 2026: 84.0 % (95 % interval 80.0–87.5 %, n = 370)"));

    // Headlines with interval, n, the previous period and the change.
    assert!(page.contains("October 2026, compared with September 2026"));
    assert!(page.contains(">September 2026</th>"));
    for expected in ["84.2 %", "95 % interval 80.1–87.6 %", "312 answers", ">81.0 %<", "+3.2 points, not significant"]
    {
        assert!(page.contains(expected), "missing {expected:?}");
    }

    // Tables, improvements, praise, notes.
    assert!(page.contains(">Team 120</td>") && page.contains(">90.0 %</td>"));
    assert!(page.contains(">-3</td>"), "numbers are shown as they are");
    assert!(page.contains("What we improved") && page.contains("INC0012345 · closed 2026-10-12 · Resolved"));
    assert!(page.contains("— Ana Silva, about Tom, 2026-10-03"));
    assert!(page.contains("Intervals are 95 % Wilson intervals."));

    // Nesting: every opened element is closed.
    for (open, close) in [
        ("<table", "</table>"),
        ("<tr", "</tr>"),
        ("<td", "</td>"),
        ("<th", "</th>"),
        ("<p ", "</p>"),
        ("<blockquote", "</blockquote>"),
        ("<div", "</div>"),
    ] {
        let opened = page.matches(open).count() - if open == "<th" { page.matches("<thead").count() } else { 0 };
        assert_eq!(opened, page.matches(close).count(), "{open} vs {close}");
    }
    assert!(page.matches("<table").count() >= 5);
}

#[test]
fn odd_text_cannot_break_out_of_the_markup() {
    let mut report = report();
    report.title = "</td></tr></table><h1>x</h1>".into();
    report.trend.as_mut().expect("a trend").title = "\"><script>x</script>".into();
    report.trend.as_mut().expect("a trend").points[0].label = "<b>&".into();
    report.notes.push("a\u{0}b\u{1b}c".into());
    let page = html(&report);
    assert_eq!(page.matches("<table").count(), page.matches("</table>").count());
    assert!(!page.contains("<h1>x</h1>") && !page.contains("<script") && !page.contains("<b>&"));
    assert!(page.contains("&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;h1&gt;x&lt;/h1&gt;"));
    assert!(page.contains(">a b c</p>"), "control characters become spaces");
    assert!(!page.contains('\u{0}') && !page.contains('\u{1b}'));
}

#[test]
fn the_plain_text_part_says_the_same() {
    let plain = text(&report());
    for expected in [
        "Management report",
        "October 2026, compared with September 2026",
        "CSAT: 84.2 % (95 % interval 80.1–87.6 %; 312 answers)",
        "  September 2026: 81.0 % · change: +3.2 points, not significant",
        "- Oct 2026: 84.0 % (95 % interval 80.0–87.5 %, n = 370)",
        "- Feb 2026: no data (n = 290)",
        "Target: 90 %",
        "Team 120 | 150     | 90.0 %",
        "* INC0012345 · closed 2026-10-12 · Resolved",
        "  Action: Two spare laptops now kept at each site; stock checked every Monday.",
        "“<script>alert('x')</script> Tom fixed it in five minutes & explained why.”",
        "  — Ana Silva, about Tom, 2026-10-03",
        "- Intervals are 95 % Wilson intervals.",
        "Generated 2026-11-01 08:00 Europe/Lisbon",
    ] {
        assert!(plain.contains(expected), "missing {expected:?} in:\n{plain}");
    }
}
