//! Figures and the HTML report: sizes, text drawn with the compiled-in font, well-formed
//! SVG and HTML, headline numbers equal to summary.json, and byte-identical redraws.

use std::path::{Path, PathBuf};

use crate::common::{ok, repo, steelsim};
use steelsim::report::{HEIGHT, WIDTH};

/// Decodes a PNG into (width, height, RGB bytes).
fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("one frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Parses a document as XML, failing the test on the first error.
fn well_formed(text: &str, what: &str) -> usize {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut elements = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return elements,
            Ok(quick_xml::events::Event::Start(_) | quick_xml::events::Event::Empty(_)) => elements += 1,
            Ok(_) => {}
            Err(e) => panic!("{what} is not well-formed at byte {}: {e}", reader.buffer_position()),
        }
    }
}

fn baseline_run(dir: &Path) -> PathBuf {
    let scenario = repo().join("scenarios/baseline.toml");
    ok(&steelsim(&["run", scenario.to_str().unwrap(), "-n", "60", "--seed", "4", "--out", "run", "-q"], dir));
    dir.join("run")
}

/// A run's figures: replication 0 is traced by default, so its timeline is among them.
const RUN_FIGURES: [&str; 7] = ["completion", "tonnes", "stages", "bottlenecks", "lead_times", "map", "timeline"];

#[test]
fn titles_are_drawn_with_the_compiled_in_font() {
    // No system font is ever consulted: if the embedded one failed, the title band would be
    // blank (plotters draws nothing for text it cannot shape).
    let tmp = tempfile::tempdir().unwrap();
    let dir = baseline_run(tmp.path());
    let (w, h, rgb) = decode(&std::fs::read(dir.join("figures/completion.png")).unwrap());
    assert_eq!((w, h), (WIDTH, HEIGHT));
    // The title sits centred in the top 80 pixels; count dark pixels there.
    let dark = (10..80)
        .flat_map(|y| (400..1200).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let i = ((y * w + x) * 3) as usize;
            rgb[i] < 100 && rgb[i + 1] < 100 && rgb[i + 2] < 100
        })
        .count();
    assert!(dark > 1000, "only {dark} dark pixels in the title band");
}

#[test]
fn every_figure_exists_decodes_and_parses() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = baseline_run(tmp.path());
    for name in RUN_FIGURES {
        let (w, h, _) = decode(&std::fs::read(dir.join(format!("figures/{name}.png"))).unwrap());
        assert_eq!((w, h), (WIDTH, HEIGHT), "{name}.png");
        let svg = std::fs::read_to_string(dir.join(format!("figures/{name}.svg"))).unwrap();
        assert!(svg.contains("<svg") && well_formed(&svg, name) > 10, "{name}.svg");
    }
}

#[test]
fn the_report_is_self_contained_and_agrees_with_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = baseline_run(tmp.path());
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    well_formed(html.trim_start_matches("<!DOCTYPE html>"), "report.html");
    assert!(!html.contains("<script"), "no scripts");
    assert!(!html.contains("src=\"http") && !html.contains("<link"), "nothing is fetched from the network");
    for name in RUN_FIGURES {
        assert!(html.contains(&format!("<figure id=\"{name}\"><svg")), "{name} is inlined");
    }
    let summary: steelsim::analysis::summary::Summary =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let dest = steelsim::report::headline(&summary.destination);
    let hand = steelsim::report::headline(&summary.handover.delivery);
    assert!(html.contains(&dest), "missing {dest}");
    assert!(html.contains(&hand), "missing {hand}");
    // The headline carries the summary's numbers.
    assert!(dest.contains(&format!("{:.3}", summary.destination.p_on_time)));
    let promise = summary.destination.promise.iter().find(|p| p.confidence == 0.95).unwrap();
    assert!(dest.contains(promise.date.as_deref().unwrap_or("beyond the horizon")));
    for g in &summary.guarantees {
        assert!(html.contains(&format!("<td>{:.0} %</td>", g.confidence * 100.0)), "guarantee row {}", g.confidence);
    }
    assert!(html.contains(&summary.scenario) && html.contains("Reproduce") && html.contains("--seed 4"));
}

#[test]
fn plot_redraws_identical_svgs_from_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = baseline_run(tmp.path());
    let before: Vec<Vec<u8>> =
        RUN_FIGURES.iter().map(|n| std::fs::read(dir.join(format!("figures/{n}.svg"))).unwrap()).collect();
    let report_before = std::fs::read(dir.join("report.html")).unwrap();
    std::fs::remove_dir_all(dir.join("figures")).unwrap();
    ok(&steelsim(&["plot", "run"], tmp.path()));
    for (n, b) in RUN_FIGURES.iter().zip(before) {
        assert!(std::fs::read(dir.join(format!("figures/{n}.svg"))).unwrap() == b, "{n}.svg differs after redrawing");
    }
    assert!(std::fs::read(dir.join("report.html")).unwrap() == report_before, "report.html differs after redrawing");
}

#[test]
fn studies_draw_their_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let b = repo().join("scenarios/baseline.toml");
    let b = b.to_str().unwrap();
    let v = repo().join("tests/fixtures/variants/plus_100_wagons.toml");
    ok(&steelsim(&["compare", b, v.to_str().unwrap(), "-n", "40", "--out", "cmp", "-q"], tmp.path()));
    ok(&steelsim(
        &["sweep", b, "--set", "pools.wagons_1435.units=900,1100", "-n", "30", "--out", "sw", "-q"],
        tmp.path(),
    ));
    for (dir, names) in [("cmp", vec!["compare_cdf", "compare_difference"]), ("sw", vec!["sweep"])] {
        for n in names {
            let (w, h, _) = decode(&std::fs::read(tmp.path().join(dir).join(format!("figures/{n}.png"))).unwrap());
            assert_eq!((w, h), (WIDTH, HEIGHT));
            let svg = std::fs::read(tmp.path().join(dir).join(format!("figures/{n}.svg"))).unwrap();
            well_formed(std::str::from_utf8(&svg).unwrap(), n);
            // Redrawn from the files: identical.
            std::fs::remove_file(tmp.path().join(dir).join(format!("figures/{n}.svg"))).unwrap();
            ok(&steelsim(&["plot", dir], tmp.path()));
            assert!(std::fs::read(tmp.path().join(dir).join(format!("figures/{n}.svg"))).unwrap() == svg);
        }
    }
}

#[test]
fn every_study_writes_a_self_contained_report_that_plot_redraws() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let b = repo().join("scenarios/baseline.toml");
    let b = b.to_str().unwrap();
    let v = repo().join("tests/fixtures/variants/plus_100_wagons.toml");
    let units = "pools.wagons_1435.units=800..1000:200";
    ok(&steelsim(&["compare", b, v.to_str().unwrap(), "-n", "20", "--out", "cmp", "-q"], t));
    ok(&steelsim(&["sweep", b, "--set", units, "-n", "20", "--out", "sw", "-q"], t));
    ok(&steelsim(&["sweep", b, "--tornado", "2", "-n", "10", "--out", "tor", "-q"], t));
    ok(&steelsim(&["plan", b, "--target", "0.2", "--vary", units, "-n", "10", "--out", "pl", "-q"], t));
    for (dir, figures, says) in [
        ("cmp", vec!["compare_cdf", "compare_difference"], "P(everything on time)"),
        ("sw", vec!["sweep"], "pool wagons_1435: units"),
        ("tor", vec!["tornado_destination", "tornado_handover"], "values tried"),
        ("pl", vec![], "Every value tried"),
    ] {
        let html = std::fs::read_to_string(t.join(dir).join("report.html")).unwrap();
        well_formed(html.trim_start_matches("<!DOCTYPE html>"), dir);
        assert!(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("<link"), "{dir}");
        for name in figures {
            assert!(html.contains(&format!("<figure id=\"{name}\"><svg")), "{dir}: {name} is inlined");
        }
        assert!(html.contains(says), "{dir}: {says}");
        if dir != "pl" {
            // Redrawn from the folder's data: the same page.
            std::fs::remove_file(t.join(dir).join("report.html")).unwrap();
            ok(&steelsim(&["plot", dir], t));
            assert!(std::fs::read_to_string(t.join(dir).join("report.html")).unwrap() == html, "{dir}");
        }
    }
}

/// The report's defects found by a reader, each kept fixed: a doubled bracket around an
/// interval, a "-0.0" (an interval's end a rounding error below zero), and the lead-time box
/// plot's median, which was a rectangle without height (drawn by PNG, dropped by SVG).
#[test]
fn the_report_prints_no_doubled_brackets_or_negative_zeros_and_the_svg_box_plot_has_its_medians() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = baseline_run(tmp.path());
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!html.contains("[["), "doubled brackets");
    assert!(!html.contains("-0.0") && !html.contains(">-0<"), "a negative zero");
    let svg = std::fs::read_to_string(dir.join("figures/lead_times.svg")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let drawn = |c: &&serde_json::Value| c["quantiles_days"].as_array().unwrap().iter().all(|q| !q.is_null());
    let corridors = summary["corridors"].as_array().unwrap().iter().filter(drawn).count();
    // A black bar with height per corridor.
    let medians = svg
        .split("<rect")
        .skip(1)
        .filter_map(|r| r.split('>').next())
        .filter(|r| r.contains("fill=\"#000000\""))
        .filter_map(|r| r.split("height=\"").nth(1)?.split('"').next()?.parse::<f64>().ok())
        .filter(|&h| h > 0.0)
        .count();
    assert_eq!(medians, corridors, "one visible median bar per corridor");
}

/// README says how `timeseries.csv`'s quantiles are made: the middle of one of 1,000 bins over
/// the order, so 299,850 t for a whole 300,000 t order whose mean reads 300,000 t.
#[test]
fn timeseries_quantiles_are_the_bin_middles_readme_describes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = baseline_run(tmp.path());
    let series = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let last: Vec<&str> = series.lines().filter(|l| l.contains(",delivered_tonnes,")).collect();
    let last_day = last.last().unwrap().split(',').next().unwrap();
    let value = |stat: &str| {
        let prefix = format!("{last_day},");
        let row = last.iter().find(|l| l.starts_with(&prefix) && l.contains(&format!(",{stat},"))).unwrap();
        row.rsplit(',').next().unwrap().to_string()
    };
    assert_eq!((value("mean").as_str(), value("p95").as_str(), value("p05").as_str()), ("300000", "299850", "299850"));
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(readme.contains("the quantiles read 299,850 t while the mean reads 300,000 t"));
}

/// The labels a reader found wrong, kept right: the stages chart draws hours per lot (its title
/// said "lot-hours"), no 90th-percentile dot sits on the axis for a stage nobody waits at, and
/// the queue chart says what it counts.
#[test]
fn the_figures_say_what_they_draw() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = baseline_run(tmp.path());
    let stages = std::fs::read_to_string(dir.join("figures/stages.svg")).unwrap();
    assert!(stages.contains("hours per lot at the stages that take the most time") && !stages.contains("lot-hours"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let unwaited = summary["stages"].as_array().unwrap().iter().filter(|s| s["p90_wait_hours"].as_f64() == Some(0.0));
    assert!(unwaited.count() > 0, "the check needs a stage nobody waits at");
    // Dots are circles; the legend's is the only one at the legend's place, so every dot
    // drawn is right of the axis's x.
    let axis_x =
        stages.split("<line").nth(1).and_then(|l| l.split("x1=\"").nth(1)?.split('"').next()?.parse::<f64>().ok());
    let dots: Vec<f64> = stages
        .split("<circle")
        .skip(1)
        .filter_map(|c| c.split("cx=\"").nth(1)?.split('"').next()?.parse().ok())
        .collect();
    if let Some(x) = axis_x {
        assert!(dots.iter().all(|&cx| cx > x + 1.0), "a dot on the axis at {x}: {dots:?}");
    }
    let bottlenecks = std::fs::read_to_string(dir.join("figures/bottlenecks.svg")).unwrap();
    assert!(bottlenecks.contains("lots and jobs waiting (mean number)"));
}

/// The comparison's completion curves are drawn over dates with the deadline marked (they
/// counted days, with no deadline).
#[test]
fn the_comparison_curves_read_dates_and_show_the_deadline() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = repo().join("tests/fixtures/tiny.toml");
    let tiny = tiny.to_str().unwrap();
    ok(&steelsim(&["compare", tiny, tiny, "-n", "20", "--out", "cmp", "-q"], tmp.path()));
    let svg = std::fs::read_to_string(tmp.path().join("cmp/figures/compare_cdf.svg")).unwrap();
    assert!(svg.contains("date the last tonne arrives") && svg.contains("deadline 2025-10-15"), "{svg:.400}");
    assert!(svg.matches("2025-").count() >= 4, "dates on the axis, and the deadline's");
}

/// The legend's box in an SVG chart (x, y, width, height): the white, slightly transparent rect.
fn legend_box(svg: &str) -> (f64, f64, f64, f64) {
    let rect = svg
        .split("<rect")
        .skip(1)
        .map(|r| r.split('>').next().unwrap())
        .find(|r| r.contains("opacity=\"0.9\"") && r.contains("fill=\"#FFFFFF\""))
        .expect("a legend");
    let attr =
        |name: &str| rect.split(&format!("{name}=\"")).nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    (attr(" x"), attr(" y"), attr("width"), attr("height"))
}

/// The vertices of the thick polylines (the data curves; axes and grid are thin), but the
/// legend's own 20-pixel samples of them.
fn curve_points(svg: &str) -> Vec<(f64, f64)> {
    svg.split("<polyline")
        .skip(1)
        .filter(|p| p.contains("stroke-width=\"4\"") || p.contains("stroke-width=\"3\""))
        .map(|p| {
            let pts = p.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
            pts.split_whitespace()
                .filter_map(|xy| {
                    let (x, y) = xy.split_once(',')?;
                    Some((x.parse::<f64>().ok()?, y.parse::<f64>().ok()?))
                })
                .collect::<Vec<_>>()
        })
        .filter(|line| !(line.len() == 2 && line[1].0 - line[0].0 == 20.0 && line[1].1 == line[0].1))
        .flatten()
        .collect()
}

/// A legend drawn over the curves hid the data (the completion curve of a run with a long
/// tail climbs through the upper left corner): the legend now goes to a corner the curves
/// leave free. And a chart of a few days no longer labels its axis with the same date twice.
#[test]
fn legends_leave_the_curves_visible_and_dates_are_not_repeated() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for (fixture, n) in [("tests/fixtures/long_tail.toml", "400"), ("tests/fixtures/tiny.toml", "300")] {
        let f = repo().join(fixture);
        ok(&steelsim(&["run", f.to_str().unwrap(), "-n", n, "-q", "--out", "r", "--force"], t));
        for figure in ["completion", "tonnes", "bottlenecks"] {
            let svg = std::fs::read_to_string(t.join(format!("r/figures/{figure}.svg"))).unwrap();
            let (x, y, w, h) = legend_box(&svg);
            let points = curve_points(&svg);
            assert!(points.len() > 20, "{fixture} {figure}: curves found");
            let hidden: Vec<_> =
                points.iter().filter(|&&(px, py)| px > x && px < x + w && py > y && py < y + h).collect();
            assert!(hidden.is_empty(), "{fixture} {figure}: the legend at ({x}, {y}) hides {} points", hidden.len());
            // Every date label whole: a centred label of ten characters, about 0.55 em each,
            // ends inside the 1600-pixel figure.
            for t in svg.split("<text").skip(1) {
                let (attrs, body) = t.split_once('>').unwrap();
                let text = body.split('<').next().unwrap().trim();
                if text.len() == 10 && text.starts_with("20") && attrs.contains("text-anchor=\"middle\"") {
                    let num = |name: &str| -> f64 {
                        attrs.split(&format!(" {name}=\"")).nth(1).unwrap().split('"').next().unwrap().parse().unwrap()
                    };
                    let end = num("x") + 5.0 * 0.55 * num("font-size");
                    assert!(end <= 1600.0, "{fixture} {figure}: the label {text} runs out of the figure to {end:.0}");
                }
            }
        }
    }
    // Nothing completes (the border is shut past the horizon): the axis spans the deadline's
    // days, each label a different date.
    let f = repo().join("tests/fixtures/border_closed_random.toml");
    ok(&steelsim(&["run", f.to_str().unwrap(), "-n", "20", "-q", "--out", "closed"], t));
    let svg = std::fs::read_to_string(t.join("closed/figures/completion.svg")).unwrap();
    let labels: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|s| Some(s.split('>').nth(1)?.split('<').next()?.trim()))
        .filter(|s| s.len() == 10 && s.starts_with("2025-"))
        .collect();
    let distinct: std::collections::BTreeSet<&&str> = labels.iter().collect();
    assert!(labels.len() >= 4 && distinct.len() == labels.len(), "axis labels {labels:?}");
    let html = std::fs::read_to_string(t.join("closed/report.html")).unwrap();
    for one in ["1 nodes", "1 legs", "1 routes", "1 background flows", "1 disruption rows"] {
        assert!(!html.contains(one), "the report says \"{one}\"");
    }
}

/// A variant's report says what it changes from its base, field by field (it showed the same
/// key parameters as its base and nothing else); a plain scenario's says nothing of the kind.
#[test]
fn a_variant_report_says_what_the_variant_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let relief = repo().join("scenarios/sarakhs_relief_tracks.toml");
    ok(&steelsim(&["run", relief.to_str().unwrap(), "-n", "5", "-q", "--out", "v"], t));
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.join("v/run.json")).unwrap()).unwrap();
    assert_eq!(info["variant"]["base"], "sarakhs_backlog");
    let paths: Vec<&str> =
        info["variant"]["changes"].as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["pools.wagons_1520.changes", "disruptions[16]"], "the relief: wagons on 1 November, the tracks");
    let html = std::fs::read_to_string(t.join("v/report.html")).unwrap();
    assert!(html.contains("What this variant changes") && html.contains("sarakhs_extra_tracks"), "the report shows it");
    // --set on a plain file: the override is the change.
    let tiny = repo().join("tests/fixtures/tiny.toml");
    ok(&steelsim(&["run", tiny.to_str().unwrap(), "-n", "3", "-q", "--set", "pools.narrow.units=12", "--out", "s"], t));
    let html = std::fs::read_to_string(t.join("s/report.html")).unwrap();
    assert!(html.contains("<code>pools.narrow.units</code></td><td>40</td><td>12</td>"), "the override as a change");
    ok(&steelsim(&["run", tiny.to_str().unwrap(), "-n", "3", "-q", "--out", "plain"], t));
    let html = std::fs::read_to_string(t.join("plain/report.html")).unwrap();
    assert!(!html.contains("What this variant changes"));
}

/// The network map: places where the scenario puts them, over country outlines, each labelled
/// in words with the mean wait per lot at its stages (lots' waits weighted by the lots that
/// pass each stage); where a place has no coordinates, a schematic says so.
#[test]
fn the_map_puts_places_where_they_are_and_says_where_lots_wait() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = baseline_run(tmp.path());
    let svg = std::fs::read_to_string(dir.join("figures/map.svg")).unwrap();
    assert!(svg.contains("where lots wait on the way") && !svg.contains("schematic"), "{svg:.300}");
    for country in ["IRAN", "TURKMENISTAN", "UZBEKISTAN"] {
        assert!(svg.lines().any(|l| l.trim() == country), "{country} named");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let stages: Vec<&serde_json::Value> = summary["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"].as_str().unwrap().starts_with("sarakhs.") && s["kind"] != "pool")
        .collect();
    let lots = stages.iter().map(|s| s["lots"].as_f64().unwrap()).fold(0.0, f64::max);
    let wait: f64 =
        stages.iter().map(|s| s["mean_wait_hours"].as_f64().unwrap() * s["lots"].as_f64().unwrap()).sum::<f64>() / lots;
    let label = format!("Sarakhs rail border · {wait:.0} h");
    assert!(svg.contains(&label), "missing {label}");
    // Identifiers stay in the data; figures use the scenario's labels.
    let figure = std::fs::read_to_string(dir.join("figures/stages.svg")).unwrap();
    assert!(figure.contains("Sarakhs rail border: gauge interchange") && !figure.contains("sarakhs.interchange"));
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("Sarakhs rail border: gauge interchange <small><code>sarakhs.interchange</code></small>"));

    let tiny = repo().join("tests/fixtures/tiny.toml");
    ok(&steelsim(&["run", tiny.to_str().unwrap(), "-n", "5", "--out", "tiny", "-q"], tmp.path()));
    let svg = std::fs::read_to_string(tmp.path().join("tiny/figures/map.svg")).unwrap();
    assert!(svg.contains("where lots wait on the way (schematic)"), "{svg:.300}");
    assert!(svg.lines().any(|l| l.trim().starts_with("Border")), "the node `border` in words");
}
