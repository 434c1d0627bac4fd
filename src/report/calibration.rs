//! The calibration table of `steelsim calibrate` (computed in [`crate::analysis::calibrate`]),
//! in Markdown, and its place in a document between two markers.

use crate::analysis::LEVEL;
use crate::analysis::calibrate::Outcome;

fn fmt(x: f64) -> String {
    if x.abs() >= 100.0 { format!("{x:.0}") } else { format!("{x:.1}") }
}

/// The outcomes as a Markdown table, with the command that made it and the reasoning of
/// every band below.
pub(crate) fn markdown(outcomes: &[Outcome], command: &str) -> String {
    let mut s = format!(
        "Made by `{command}`; simulated values are means over replications with their {:.0} % interval.\n\n",
        LEVEL * 100.0
    );
    s.push_str("| check | known figure (docs/sources.md section 5) | band | simulated | within |\n");
    s.push_str("| --- | --- | --- | --- | --- |\n");
    for o in outcomes {
        let c = &o.check;
        let sim = match (o.mean, o.interval) {
            (Some(m), Some((lo, hi))) => format!("{} {} ({}-{})", fmt(m), c.unit, fmt(lo), fmt(hi)),
            (Some(m), None) => format!("{} {}", fmt(m), c.unit),
            _ => "no data".to_string(),
        };
        let band = format!("{}-{} {}", fmt(c.band.0), fmt(c.band.1), c.unit);
        let within = if o.within { "yes" } else { "**no**" };
        s.push_str(&format!("| {} | {} | {band} | {sim} | {within} |\n", c.what, c.target));
    }
    s.push_str("\nBands:\n\n");
    for o in outcomes {
        s.push_str(&format!("- `{}`: {}.\n", o.check.id, o.check.reasoning));
    }
    s
}

/// Replaces the text between `<!-- calibration:begin -->` and `<!-- calibration:end -->` in
/// `document` with `table`; `None` if the markers are missing or out of order.
pub(crate) fn splice(document: &str, table: &str) -> Option<String> {
    const BEGIN: &str = "<!-- calibration:begin -->";
    const END: &str = "<!-- calibration:end -->";
    let b = document.find(BEGIN)? + BEGIN.len();
    let e = document[b..].find(END)? + b;
    Some(format!("{}\n{}{}", &document[..b], table, &document[e..]))
}

#[cfg(test)]
mod tests {
    use super::splice;

    #[test]
    fn splice_replaces_only_between_markers() {
        let doc = "a\n<!-- calibration:begin -->\nold\n<!-- calibration:end -->\nb\n";
        let out = splice(doc, "new\n").unwrap();
        assert_eq!(out, "a\n<!-- calibration:begin -->\nnew\n<!-- calibration:end -->\nb\n");
        assert_eq!(splice(&out, "new\n").unwrap(), out, "splicing is idempotent");
        assert!(splice("no markers", "x").is_none());
        assert!(splice("<!-- calibration:end --> <!-- calibration:begin -->", "x").is_none());
    }
}
