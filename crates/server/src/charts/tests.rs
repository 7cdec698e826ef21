use super::*;
use roxmltree::{Document, Node};

const NASTY: &str = r#"<script>&"'"#;

fn pt(label: &str, value: Option<f64>, low: Option<f64>, high: Option<f64>, n: u64) -> Point {
    Point { label: label.to_string(), value, low, high, n }
}

/// A deterministic CSAT-like series: values around 0.85 with a ±0.07 interval.
fn weeks(count: usize) -> Vec<Point> {
    (0..count)
        .map(|i| {
            let v = 0.78 + ((i * 7) % 13) as f64 / 100.0;
            pt(&format!("2026-W{:02}", i % 52 + 1), Some(v), Some(v - 0.07), Some((v + 0.06).min(1.0)), 40)
        })
        .collect()
}

fn csat(points: Vec<Point>) -> TrendChart {
    TrendChart::new("Satisfaction", Unit::Percent, (0.0, 1.0), Series { name: "This quarter".into(), points })
}

fn parse(svg: &str) -> Document<'_> {
    Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"))
}

fn all<'a, 'i>(doc: &'a Document<'i>, tag: &str, class: &str) -> Vec<Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.has_tag_name(tag))
        .filter(|n| class.is_empty() || n.attribute("class").is_some_and(|c| c.split(' ').any(|c| c == class)))
        .collect()
}

fn num(node: &Node, attribute: &str) -> f64 {
    node.attribute(attribute).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no {attribute} on {node:?}"))
}

fn text(node: &Node) -> String {
    node.text().unwrap_or_default().to_string()
}

fn tooltip_of(node: &Node) -> String {
    node.children().find(|c| c.has_tag_name("title")).map(|t| text(&t)).unwrap_or_default()
}

fn polygon_points(node: &Node) -> Vec<(f64, f64)> {
    node.attribute("points")
        .unwrap_or_default()
        .split(' ')
        .map(|pair| {
            let (x, y) = pair.split_once(',').expect("x,y");
            (x.parse().expect("x"), y.parse().expect("y"))
        })
        .collect()
}

fn path_points(node: &Node) -> Vec<(f64, f64)> {
    let d = node.attribute("d").unwrap_or_default();
    let numbers: Vec<f64> =
        d.split([' ', 'M', 'L']).filter(|s| !s.is_empty()).map(|s| s.parse().expect("number")).collect();
    numbers.chunks(2).map(|c| (c[0], c[1])).collect()
}

/// (left, right, top, bottom) of the plot area, from the gridlines.
fn plot_area(doc: &Document) -> (f64, f64, f64, f64) {
    let grid = all(doc, "line", "grid");
    assert_eq!(grid.len(), 5, "five y ticks");
    let ys: Vec<f64> = grid.iter().map(|l| num(l, "y1")).collect();
    let top = ys.iter().copied().fold(f64::INFINITY, f64::min);
    let bottom = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (num(&grid[0], "x1"), num(&grid[0], "x2"), top, bottom)
}

#[test]
fn trend_chart_is_standalone_xml_with_title_and_desc() {
    let svg = trend_chart(&csat(weeks(8)));
    let doc = parse(&svg);
    let root = doc.root_element();
    assert!(root.has_tag_name(("http://www.w3.org/2000/svg", "svg")));
    assert_eq!(root.attribute("viewBox"), Some("0 0 720 280"));
    assert_eq!(root.attribute("role"), Some("img"));
    assert_eq!(root.attribute("font-family"), Some("system-ui, -apple-system, Segoe UI, Roboto, sans-serif"));
    let labelled_by: Vec<&str> = root.attribute("aria-labelledby").expect("aria-labelledby").split(' ').collect();
    assert_eq!(labelled_by.len(), 2);
    let title = root.first_element_child().expect("title first");
    assert!(title.has_tag_name("title"));
    assert_eq!(title.attribute("id"), Some(labelled_by[0]));
    assert_eq!(text(&title), "Satisfaction");
    let desc = title.next_sibling_element().expect("desc second");
    assert!(desc.has_tag_name("desc"));
    assert_eq!(desc.attribute("id"), Some(labelled_by[1]));
    assert!(
        text(&desc).starts_with("Line chart of This quarter, 8 periods from 2026-W01 to 2026-W08."),
        "{}",
        text(&desc)
    );
    assert_eq!(text(&all(&doc, "text", "heading")[0]), "Satisfaction");
}

#[test]
fn caller_text_is_escaped() {
    let mut points = weeks(3);
    points[1].label = NASTY.into();
    let mut chart = csat(points.clone());
    chart.title = NASTY.into();
    chart.current.name = NASTY.into();
    chart.previous = Some(Series { name: NASTY.into(), points });
    chart.target = Some((0.9, NASTY.into()));
    let svg = trend_chart(&chart);
    assert!(!svg.contains("<script>"));
    let doc = parse(&svg);
    assert_eq!(text(&doc.root_element().first_element_child().unwrap()), NASTY);
    assert_eq!(text(&all(&doc, "text", "heading")[0]), NASTY);
    assert_eq!(text(&all(&doc, "text", "target-label")[0]), NASTY);
    let legend: Vec<String> = all(&doc, "text", "legend").iter().map(text).collect();
    assert_eq!(legend.iter().filter(|t| *t == NASTY).count(), 3, "{legend:?}");
    assert!(all(&doc, "text", "x-label").iter().any(|t| text(t) == NASTY));
    assert!(tooltip_of(&all(&doc, "circle", "marker")[1]).starts_with(&format!("{NASTY}: ")));

    let bars = [Bar { label: NASTY.into(), value: 1.0, note: NASTY.into(), colour: None }];
    let svg = bar_chart(NASTY, &bars, 400);
    let doc = parse(&svg);
    assert_eq!(text(&doc.root_element().first_element_child().unwrap()), NASTY);
    assert_eq!(text(&all(&doc, "text", "bar-label")[0]), NASTY);
    assert_eq!(text(&all(&doc, "text", "bar-note")[0]), NASTY);

    let svg = sparkline_with(&weeks(3), (0.0, 1.0), 80, 20, Unit::Percent, NASTY);
    assert_eq!(text(&parse(&svg).root_element().first_element_child().unwrap()), NASTY);
}

#[test]
fn characters_xml_forbids_are_dropped() {
    let mut chart = csat(weeks(2));
    chart.title = "a\u{0}b\u{1b}c\u{FFFF}\td".into();
    let svg = trend_chart(&chart);
    assert_eq!(text(&parse(&svg).root_element().first_element_child().unwrap()), "abc\td");
}

#[test]
fn band_polygons_only_where_low_and_high_exist() {
    let v = Some(0.8);
    let (lo, hi) = (Some(0.7), Some(0.9));
    let points = vec![
        pt("a", v, lo, hi, 40),
        pt("b", v, lo, hi, 40),
        pt("c", v, lo, hi, 40),
        pt("d", v, None, hi, 40),
        pt("e", v, lo, None, 40),
        pt("f", v, lo, hi, 40),
        pt("g", v, lo, hi, 40),
        pt("h", v, None, None, 40),
        pt("i", v, lo, hi, 40),
        pt("j", None, None, None, 0),
    ];
    let svg = trend_chart(&csat(points));
    let doc = parse(&svg);
    let markers: Vec<f64> = all(&doc, "circle", "marker").iter().map(|m| num(m, "cx")).collect();
    let bands: Vec<Vec<(f64, f64)>> = all(&doc, "polygon", "band").iter().map(polygon_points).collect();
    assert_eq!(bands.len(), 3, "runs a–c, f–g and the lone i");
    // A run of k points has k upper and k lower vertices, at the points' x.
    let xs = |band: &Vec<(f64, f64)>| {
        let mut xs: Vec<f64> = band.iter().map(|p| p.0).collect();
        xs.dedup();
        xs
    };
    assert_eq!(bands[0].len(), 6);
    assert_eq!(xs(&bands[0]), [markers[0], markers[1], markers[2], markers[1], markers[0]]);
    assert_eq!(bands[1].len(), 4);
    assert_eq!(xs(&bands[1])[..2], [markers[5], markers[6]]);
    // The lone point gets a narrow box around its x.
    assert_eq!(bands[2].len(), 4);
    assert!(bands[2].iter().all(|p| (p.0 - markers[8]).abs() <= 4.0));
    // The legend explains the band only when there is one.
    assert!(all(&doc, "text", "legend").iter().any(|t| text(t) == "95 % CI"));
    let svg = trend_chart(&csat(vec![pt("a", v, None, hi, 40), pt("b", v, lo, None, 40)]));
    let doc = parse(&svg);
    assert!(all(&doc, "polygon", "band").is_empty());
    assert!(!all(&doc, "text", "legend").iter().any(|t| text(t) == "95 % CI"));
}

#[test]
fn gaps_where_value_is_none_split_the_line() {
    let values = [Some(0.8), Some(0.82), None, Some(0.85), Some(0.9), Some(0.88), None, Some(0.7), None];
    let points: Vec<Point> = values.iter().enumerate().map(|(i, v)| pt(&format!("P{i}"), *v, None, None, 50)).collect();
    let svg = trend_chart(&csat(points));
    let doc = parse(&svg);
    let lines = all(&doc, "path", "current");
    assert_eq!(lines.len(), 2, "P0–P1 and P3–P5; the lone P7 is a marker only");
    for line in &lines {
        let d = line.attribute("d").unwrap();
        assert_eq!(d.matches('M').count(), 1, "{d}");
    }
    assert_eq!(path_points(&lines[0]).len(), 2);
    assert_eq!(path_points(&lines[1]).len(), 3);
    let markers = all(&doc, "circle", "marker");
    assert_eq!(markers.len(), 6);
    let labels: Vec<String> = markers.iter().map(|m| tooltip_of(m).split(':').next().unwrap().to_string()).collect();
    assert_eq!(labels, ["P0", "P1", "P3", "P4", "P5", "P7"]);
    // NaN counts as no data as well.
    let svg = trend_chart(&csat(vec![pt("a", Some(0.5), None, None, 40), pt("b", Some(f64::NAN), None, None, 40)]));
    assert!(!svg.contains("NaN"));
    assert_eq!(all(&parse(&svg), "path", "current").len(), 0);
}

#[test]
fn small_n_points_get_hollow_markers_and_a_legend_note() {
    let ns = [34, 12, 29, 30, 0];
    let points: Vec<Point> =
        ns.iter().enumerate().map(|(i, n)| pt(&format!("P{i}"), Some(0.8), None, None, *n)).collect();
    let svg = trend_chart(&csat(points));
    let doc = parse(&svg);
    let hollow: Vec<String> = all(&doc, "circle", "hollow").iter().map(tooltip_of).collect();
    assert_eq!(hollow, ["P1: 80 % (n = 12)", "P2: 80 % (n = 29)", "P4: 80 % (n = 0)"]);
    for marker in all(&doc, "circle", "hollow") {
        assert_eq!(marker.attribute("fill"), Some("#ffffff"));
        assert_eq!(marker.attribute("stroke"), Some(palette::BLUE));
    }
    assert_eq!(all(&doc, "circle", "marker").len(), 5);
    assert!(all(&doc, "text", "legend").iter().any(|t| text(t) == "hollow: fewer than 30 answers"));

    let svg = trend_chart(&csat(weeks(5)));
    let doc = parse(&svg);
    assert!(all(&doc, "circle", "hollow").is_empty());
    assert!(!svg.contains("hollow: fewer"));
}

#[test]
fn target_line_only_when_set() {
    let mut chart = csat(weeks(6));
    let doc_svg = trend_chart(&chart);
    let doc = parse(&doc_svg);
    assert!(all(&doc, "line", "target").is_empty());
    assert!(all(&doc, "text", "target-label").is_empty());

    chart.target = Some((0.9, "Target 90 %".into()));
    let svg = trend_chart(&chart);
    let doc = parse(&svg);
    let (left, right, top, bottom) = plot_area(&doc);
    let target = all(&doc, "line", "target");
    assert_eq!(target.len(), 1);
    assert_eq!(num(&target[0], "x1"), left);
    assert_eq!(num(&target[0], "x2"), right);
    let expected = top + (bottom - top) * 0.1;
    assert!((num(&target[0], "y1") - expected).abs() <= 0.1, "{} vs {expected}", num(&target[0], "y1"));
    assert_eq!(text(&all(&doc, "text", "target-label")[0]), "Target 90 %");
    assert!(num(&all(&doc, "text", "target-label")[0], "x") > right, "labelled right of the plot, clear of the data");
    assert!(all(&doc, "text", "legend").iter().any(|t| text(t) == "Target 90 %"));
    assert!(
        text(&doc.root_element().children().find(|c| c.has_tag_name("desc")).unwrap()).contains("Target 90 %: 90 %.")
    );
}

#[test]
fn x_labels_are_thinned_to_at_most_twelve_keeping_first_and_last() {
    for count in [1, 2, 3, 5, 11, 12, 13, 25, 26, 52, 53, 100, 365] {
        let points = weeks(count);
        let svg = trend_chart(&csat(points.clone()));
        let doc = parse(&svg);
        let labels = all(&doc, "text", "x-label");
        let texts: Vec<String> = labels.iter().map(text).collect();
        assert!(labels.len() <= MAX_X_LABELS, "{count}: {texts:?}");
        assert_eq!(texts.first(), Some(&points[0].label), "{count}");
        assert_eq!(texts.last(), Some(&points[count - 1].label), "{count}");
        // Wide enough apart not to overlap (12 px text, about 7 px a character).
        let xs: Vec<f64> = labels.iter().map(|l| num(l, "x")).collect();
        assert!(xs.windows(2).all(|w| w[1] - w[0] >= 8.0 * 7.2), "{count}: {xs:?}");
    }
    // Short labels on a wide chart all show, up to twelve.
    let months: Vec<Point> = (1..=12).map(|m| pt(&format!("M{m}"), Some(0.8), None, None, 40)).collect();
    let svg = trend_chart(&csat(months));
    assert_eq!(all(&parse(&svg), "text", "x-label").len(), 12);

    for count in 0..400 {
        for step in [3.0, 20.0, 60.0] {
            let shown = thin_labels(count, step, 50.0);
            assert!(shown.len() <= MAX_X_LABELS, "{count} {step}");
            assert!(shown.windows(2).all(|w| w[0] < w[1]));
            if count > 0 {
                assert_eq!(shown[0], 0);
                assert_eq!(*shown.last().unwrap(), count - 1);
            }
        }
    }
}

#[test]
fn output_is_deterministic() {
    let mut chart = csat(weeks(30));
    chart.previous = Some(Series { name: "Last year".into(), points: weeks(30) });
    chart.target = Some((0.9, "Target 90 %".into()));
    let first = trend_chart(&chart);
    assert_eq!(first, trend_chart(&chart.clone()));
    let bars = [Bar { label: "5".into(), value: 3.0, note: "3".into(), colour: None }];
    assert_eq!(bar_chart("x", &bars, 400), bar_chart("x", &bars, 400));
    assert_eq!(sparkline(&weeks(9), (0.0, 1.0), 80, 20), sparkline(&weeks(9), (0.0, 1.0), 80, 20));
    // Different charts get different ids, so several can live on one page.
    chart.title = "Other".into();
    let id = |svg: &str| parse(svg).root_element().attribute("aria-labelledby").unwrap().to_string();
    assert_ne!(id(&first), id(&trend_chart(&chart)));
    // Fixed decimals: every number in the coordinates has exactly one decimal.
    let doc = parse(&first);
    for circle in all(&doc, "circle", "marker") {
        for attr in ["cx", "cy"] {
            let v = circle.attribute(attr).unwrap();
            assert_eq!(v.split_once('.').map(|(_, d)| d.len()), Some(1), "{v}");
        }
    }
}

#[test]
fn values_outside_the_range_are_clamped_into_the_plot_area() {
    let points = vec![
        pt("a", Some(1.4), Some(-0.5), Some(2.0), 40),
        pt("b", Some(-0.3), Some(-1.0), Some(0.2), 40),
        pt("c", Some(0.5), Some(0.4), Some(0.6), 40),
    ];
    let mut chart = csat(points.clone());
    chart.previous = Some(Series { name: "Before".into(), points: points.clone() });
    chart.target = Some((1.5, "Target".into()));
    let svg = trend_chart(&chart);
    let doc = parse(&svg);
    let (left, right, top, bottom) = plot_area(&doc);
    let inside = |(x, y): (f64, f64)| x >= left && x <= right && y >= top && y <= bottom;
    let mut checked = 0;
    for circle in [all(&doc, "circle", "marker"), all(&doc, "circle", "previous")].concat() {
        assert!(inside((num(&circle, "cx"), num(&circle, "cy"))), "{circle:?}");
        checked += 1;
    }
    for polygon in all(&doc, "polygon", "band") {
        assert!(polygon_points(&polygon).into_iter().all(inside));
        checked += 1;
    }
    for path in all(&doc, "path", "line") {
        assert!(path_points(&path).into_iter().all(inside));
        checked += 1;
    }
    let target = &all(&doc, "line", "target")[0];
    assert_eq!(num(target, "y1"), top);
    assert_eq!(checked, 6 + 1 + 2);
    // The markers sit on the edges; their tooltips keep the real values.
    let markers = all(&doc, "circle", "marker");
    assert_eq!(num(&markers[0], "cy"), top);
    assert_eq!(num(&markers[1], "cy"), bottom);
    assert_eq!(tooltip_of(&markers[0]), "a: 140 % (n = 40, 95 % CI −50 % to 200 %)");

    let svg = sparkline(&points, (0.0, 1.0), 80, 20);
    let doc = parse(&svg);
    for circle in all(&doc, "circle", "marker") {
        assert!((0.0..=20.0).contains(&num(&circle, "cy")));
    }
    for path in all(&doc, "path", "line") {
        assert!(path_points(&path).iter().all(|&(x, y)| (0.0..=80.0).contains(&x) && (0.0..=20.0).contains(&y)));
    }
}

#[test]
fn marker_tooltip_reads_value_n_and_interval() {
    let svg = trend_chart(&csat(vec![
        pt("2026-W14", Some(0.87), Some(0.74), Some(0.94), 34),
        pt("2026-W15", Some(0.9), None, None, 50),
        pt("2026-W16", None, Some(0.1), Some(0.2), 0),
    ]));
    let doc = parse(&svg);
    let tips: Vec<String> = all(&doc, "circle", "marker").iter().map(tooltip_of).collect();
    assert_eq!(tips, ["2026-W14: 87 % (n = 34, 95 % CI 74–94 %)", "2026-W15: 90 % (n = 50)"]);
}

#[test]
fn nps_axis_is_signed_with_a_zero_line() {
    let chart = TrendChart::new(
        "NPS",
        Unit::Points,
        (-100.0, 100.0),
        Series { name: "NPS".into(), points: vec![pt("Oct 2026", Some(12.0), Some(-3.0), Some(25.0), 120)] },
    );
    let svg = trend_chart(&chart);
    let doc = parse(&svg);
    let ticks: Vec<String> = all(&doc, "text", "y-label").iter().map(text).collect();
    assert_eq!(ticks, ["−100", "−50", "0", "+50", "+100"]);
    assert_eq!(all(&doc, "line", "zero").len(), 1);
    assert_eq!(tooltip_of(&all(&doc, "circle", "marker")[0]), "Oct 2026: +12 (n = 120, 95 % CI −3 to +25)");
    // Ranges without both signs have no zero line.
    assert!(all(&parse(&trend_chart(&csat(weeks(3)))), "line", "zero").is_empty());
    let ticks: Vec<String> = all(&parse(&trend_chart(&csat(weeks(3)))), "text", "y-label").iter().map(text).collect();
    assert_eq!(ticks, ["0 %", "25 %", "50 %", "75 %", "100 %"]);
    let plain = TrendChart::new("Average", Unit::Plain, (1.0, 5.0), Series { name: "Avg".into(), points: vec![] });
    let ticks: Vec<String> = all(&parse(&trend_chart(&plain)), "text", "y-label").iter().map(text).collect();
    assert_eq!(ticks, ["1", "2", "3", "4", "5"]);
}

#[test]
fn all_text_is_readable_and_uses_the_text_colour() {
    let mut chart = csat(weeks(20));
    for p in chart.current.points.iter_mut().step_by(7) {
        p.n = 10;
    }
    chart.previous = Some(Series { name: "Last quarter".into(), points: weeks(20) });
    chart.target = Some((0.9, "Target 90 %".into()));
    let bars = [Bar { label: "Promoters".into(), value: 40.0, note: "40 (50 %)".into(), colour: None }];
    for svg in [trend_chart(&chart), bar_chart("Groups", &bars, 480)] {
        let doc = parse(&svg);
        let texts = all(&doc, "text", "");
        assert!(texts.len() >= 3);
        for t in texts {
            assert!(num(&t, "font-size") >= 11.0, "{t:?}");
            assert_eq!(t.attribute("fill"), Some("#1f2933"));
        }
    }
}

#[test]
fn previous_period_is_dashed_without_band() {
    let mut chart = csat(weeks(10));
    chart.previous = Some(Series { name: "Last year".into(), points: weeks(14) });
    let svg = trend_chart(&chart);
    let doc = parse(&svg);
    let previous = all(&doc, "path", "previous");
    assert_eq!(previous.len(), 1);
    assert_eq!(previous[0].attribute("stroke-dasharray"), Some("6 4"));
    assert_eq!(path_points(&previous[0]).len(), 10, "aligned with the current period, extra points ignored");
    assert_eq!(all(&doc, "polygon", "band").len(), 1);
    assert!(all(&doc, "text", "legend").iter().any(|t| text(t) == "Last year"));
}

#[test]
fn empty_and_degenerate_inputs_render() {
    let mut charts = vec![csat(vec![]), csat(vec![pt("only", None, None, None, 0)]), csat(weeks(1))];
    for range in [(0.5, 0.5), (f64::NAN, 1.0), (1.0, 0.0), (0.0, f64::INFINITY)] {
        let mut chart = csat(weeks(4));
        chart.y_range = range;
        charts.push(chart);
    }
    let mut tiny = csat(weeks(40));
    tiny.width = 0;
    tiny.height = 0;
    tiny.target = Some((f64::NAN, String::new()));
    charts.push(tiny);
    for chart in &charts {
        let svg = trend_chart(chart);
        parse(&svg);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
    assert!(trend_chart(&charts[0]).contains(">No data</text>"));
    let bars = [Bar { label: "x".into(), value: f64::NAN, note: String::new(), colour: None }];
    for svg in [bar_chart("", &[], 0), bar_chart("t", &bars, 300), sparkline(&[], (0.0, 0.0), 0, 0)] {
        parse(&svg);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
}

#[test]
fn bar_chart_draws_one_bar_per_entry_proportional_to_value() {
    let bars = [
        Bar { label: "5 – very satisfied".into(), value: 60.0, note: "60 (60 %)".into(), colour: None },
        Bar { label: "4".into(), value: 30.0, note: "30 (30 %)".into(), colour: Some(palette::GREEN) },
        Bar { label: "3".into(), value: 0.0, note: "0 (0 %)".into(), colour: None },
        Bar { label: "2".into(), value: -5.0, note: String::new(), colour: None },
    ];
    let svg = bar_chart("Scores", &bars, 480);
    let doc = parse(&svg);
    let root = doc.root_element();
    assert_eq!(root.attribute("viewBox"), Some("0 0 480 146"));
    let rects = all(&doc, "rect", "bar");
    assert_eq!(rects.len(), 4);
    assert!((num(&rects[0], "width") / num(&rects[1], "width") - 2.0).abs() < 0.01);
    assert_eq!(num(&rects[2], "width"), 0.0);
    assert_eq!(num(&rects[3], "width"), 0.0);
    assert_eq!(rects[0].attribute("fill"), Some(palette::BLUE));
    assert_eq!(rects[1].attribute("fill"), Some(palette::GREEN));
    assert_eq!(tooltip_of(&rects[0]), "5 – very satisfied: 60 (60 %)");
    let notes: Vec<String> = all(&doc, "text", "bar-note").iter().map(text).collect();
    assert_eq!(notes, ["60 (60 %)", "30 (30 %)", "0 (0 %)", "0"]);
    // Bars and notes stay inside the width.
    for (rect, note) in rects.iter().zip(all(&doc, "text", "bar-note")) {
        assert!(num(rect, "x") + num(rect, "width") <= 480.0);
        assert!(num(&note, "x") + text_width(&text(&note), FONT_SIZE) <= 480.0);
    }
    let desc = text(&root.children().find(|c| c.has_tag_name("desc")).unwrap());
    assert_eq!(desc, "Bar chart with 4 bars: 5 – very satisfied: 60 (60 %); 4: 30 (30 %); 3: 0 (0 %); 2: 0.");
    assert!(bar_chart("None", &[], 400).contains(">No data</text>"));
}

#[test]
fn sparkline_has_gaps_band_and_latest_marker() {
    let mut points = weeks(12);
    points[4].value = None;
    points[11].n = 8;
    let svg = sparkline_with(&points, (0.0, 1.0), 80, 20, Unit::Percent, "CSAT trend");
    let doc = parse(&svg);
    let root = doc.root_element();
    assert_eq!(root.attribute("viewBox"), Some("0 0 80 20"));
    assert_eq!(root.attribute("role"), Some("img"));
    assert!(all(&doc, "text", "").is_empty(), "no text in a sparkline");
    assert_eq!(all(&doc, "path", "current").len(), 2);
    assert_eq!(all(&doc, "polygon", "band").len(), 1, "the band has no gap: low and high are still there");
    let markers = all(&doc, "circle", "marker");
    assert_eq!(markers.len(), 1);
    assert_eq!(markers[0].attribute("class"), Some("marker hollow"));
    assert!(
        tooltip_of(&markers[0]).ends_with("2026-W12: 90 % (n = 8, 95 % CI 83–96 %)"),
        "{}",
        tooltip_of(&markers[0])
    );
    let desc = text(&root.children().find(|c| c.has_tag_name("desc")).unwrap());
    assert!(desc.starts_with("12 points from 2026-W01 to 2026-W12; latest 2026-W12: 90 %"), "{desc}");
    // The plain variant formats plain numbers.
    let svg = sparkline(&points, (0.0, 1.0), 80, 20);
    assert!(text(&parse(&svg).root_element().first_element_child().unwrap()) == "Trend");
}

#[test]
fn data_uri_is_base64_of_the_svg() {
    use base64::Engine;
    let svg = sparkline(&weeks(3), (0.0, 1.0), 80, 20);
    let uri = data_uri(&svg);
    let encoded = uri.strip_prefix("data:image/svg+xml;base64,").unwrap();
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(encoded).unwrap(), svg.as_bytes());
}

/// Writes example charts to `target/charts/` to look at (e.g. `rsvg-convert -o x.png x.svg`).
#[test]
fn example_charts_are_written_to_target_charts() {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("charts");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, svg) in examples() {
        parse(&svg);
        std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
    }
}

fn examples() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();

    let mut points = weeks(13);
    points[5] = pt("2026-W06", None, None, None, 0);
    points[3].n = 18;
    points[3].low = points[3].value.map(|v| v - 0.18);
    points[9].n = 11;
    points[9].low = None;
    let previous: Vec<Point> = weeks(13)
        .into_iter()
        .map(|mut p| {
            p.value = p.value.map(|v| v - 0.05);
            p.label = p.label.replace("2026", "2025");
            p
        })
        .collect();
    let mut chart = csat(points);
    chart.title = "Customer satisfaction (CSAT), Q1 2026".into();
    chart.previous = Some(Series { name: "Q1 2025".into(), points: previous });
    chart.target = Some((0.9, "Target 90 %".into()));
    out.push(("csat_quarter", trend_chart(&chart)));

    let mut chart = csat(weeks(52));
    chart.title = "CSAT by week, 2026".into();
    chart.current.name = "2026".into();
    chart.y_range = (0.5, 1.0);
    chart.target = Some((0.95, "Target 95 %".into()));
    out.push(("csat_year", trend_chart(&chart)));

    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let nps: Vec<Point> = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let v = -10.0 + (i as f64) * 4.5 + ((i * 5) % 7) as f64;
            let n = 20 + (i as u64 * 17) % 90;
            let w = 180.0 / (n as f64).sqrt();
            pt(&format!("{m} 2026"), Some(v), Some(v - w), Some(v + w), n)
        })
        .collect();
    let mut chart = TrendChart::new(
        "Net Promoter Score",
        Unit::Points,
        (-100.0, 100.0),
        Series { name: "NPS 2026".into(), points: nps },
    );
    chart.target = Some((30.0, "Goal +30".into()));
    out.push(("nps_year", trend_chart(&chart)));

    let mut chart = csat(vec![
        pt("a", Some(1.4), Some(-0.5), Some(2.0), 40),
        pt("b", Some(-0.3), Some(-1.0), Some(0.2), 10),
        pt("c", Some(0.5), Some(0.4), Some(0.6), 40),
    ]);
    chart.title = format!("Escaping {NASTY} and clamping, with a rather long title that goes on and on and on and on");
    chart.target = Some((1.5, NASTY.into()));
    chart.width = 480;
    chart.height = 240;
    out.push(("edge_cases", trend_chart(&chart)));

    out.push(("empty", trend_chart(&csat(vec![]))));

    let mut chart = csat(weeks(26));
    chart.title = "CSAT, 26 weeks".into();
    chart.width = 320;
    chart.height = 200;
    chart.target = Some((0.9, "Target 90 %".into()));
    out.push(("narrow", trend_chart(&chart)));

    let bars = [
        Bar {
            label: "5 – very satisfied".into(),
            value: 212.0,
            note: "212 (61 %)".into(),
            colour: Some(palette::GREEN),
        },
        Bar { label: "4".into(), value: 84.0, note: "84 (24 %)".into(), colour: Some(palette::SKY) },
        Bar { label: "3".into(), value: 27.0, note: "27 (8 %)".into(), colour: Some(palette::YELLOW) },
        Bar { label: "2".into(), value: 14.0, note: "14 (4 %)".into(), colour: Some(palette::ORANGE) },
        Bar {
            label: "1 – very unsatisfied".into(),
            value: 10.0,
            note: "10 (3 %)".into(),
            colour: Some(palette::VERMILLION),
        },
    ];
    out.push(("score_distribution", bar_chart("Scores, last 30 days", &bars, 560)));
    let bars = [
        Bar { label: "Promoters".into(), value: 140.0, note: "140 (56 %)".into(), colour: Some(palette::GREEN) },
        Bar { label: "Passives".into(), value: 70.0, note: "70 (28 %)".into(), colour: Some(palette::SKY) },
        Bar { label: "Detractors".into(), value: 40.0, note: "40 (16 %)".into(), colour: Some(palette::VERMILLION) },
    ];
    out.push(("nps_groups", bar_chart("NPS groups", &bars, 560)));

    let mut points = weeks(16);
    points[6].value = None;
    points[15].n = 9;
    out.push(("sparkline", sparkline_with(&points, (0.5, 1.0), 80, 20, Unit::Percent, "CSAT, 16 weeks")));
    out
}

#[test]
fn thinned_labels_are_evenly_spaced() {
    // 26 weekly labels on a narrow chart: not 0, 9, 25 but 0, 13, 25.
    assert_eq!(thin_labels(26, 8.2, 59.5), [0, 13, 25]);
    assert_eq!(thin_labels(13, 49.0, 59.5), [0, 2, 4, 6, 8, 10, 12]);
    for count in 3..400 {
        let shown = thin_labels(count, 600.0 / count as f64, 50.0);
        let gaps: Vec<usize> = shown.windows(2).map(|w| w[1] - w[0]).collect();
        let step = gaps[0];
        assert!(gaps[..gaps.len() - 1].iter().all(|g| *g == step), "{count}: {shown:?}");
        assert!(gaps[gaps.len() - 1] * 2 <= step * 3, "{count}: {shown:?}");
    }
}

#[test]
fn numbers_use_the_unit_and_sensible_decimals() {
    let mut chart = csat(vec![pt("W1", Some(0.8712), Some(0.8), Some(0.93), 40)]);
    chart.y_range = (0.5, 1.0);
    let doc_svg = trend_chart(&chart);
    let doc = parse(&doc_svg);
    let ticks: Vec<String> = all(&doc, "text", "y-label").iter().map(text).collect();
    assert_eq!(ticks, ["50 %", "62.5 %", "75 %", "87.5 %", "100 %"]);
    assert_eq!(tooltip_of(&all(&doc, "circle", "marker")[0]), "W1: 87 % (n = 40, 95 % CI 80–93 %)");

    let points = vec![pt("W1", Some(4.3217), Some(4.1), Some(4.5), 40)];
    let chart = TrendChart::new("Average", Unit::Plain, (1.0, 5.0), Series { name: "Average".into(), points });
    let svg = trend_chart(&chart);
    assert_eq!(tooltip_of(&all(&parse(&svg), "circle", "marker")[0]), "W1: 4.32 (n = 40, 95 % CI 4.10–4.50)");
}

#[test]
fn long_x_labels_are_shortened_but_kept_whole_in_tooltips() {
    let long = "A very long period label that would never fit under one point";
    let points = vec![pt(long, Some(0.8), None, None, 40), pt("b", Some(0.8), None, None, 40)];
    let svg = trend_chart(&csat(points));
    let doc = parse(&svg);
    let first = text(&all(&doc, "text", "x-label")[0]);
    assert!(first.ends_with('…') && first.chars().count() < 20, "{first}");
    assert!(tooltip_of(&all(&doc, "circle", "marker")[0]).starts_with(long));
}
