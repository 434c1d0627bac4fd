//! Nothing is lost: every tonne ordered is delivered, in transit, or not yet produced, and
//! every lost tonne is produced again. The check runs inside every replication (the run
//! would abort with the replication's number); these tests drive it hard.

use steelsim::experiment::{Plan, run};
use steelsim::model::LotFate;
use steelsim::model::ids::LotId;
use steelsim::scenario;

#[test]
fn heavy_losses_are_reproduced_and_the_books_balance_in_every_replication() {
    // One lot in five is lost on the last leg and must be produced and shipped again.
    let text = include_str!("../fixtures/tiny.toml").replace("incident_p = 0.01", "incident_p = 0.2");
    let w = scenario::load_str(&text, "lossy.toml", "lossy").unwrap();
    let out = run(&w, &Plan { replications: 300, seed: 11, threads: None, trace: Some(3) }, &mut |_| {}).unwrap();
    let ordered = w.order.tonnes.t();
    let mut lost_total = 0.0;
    for r in &out.rows {
        assert!(r.completion_days.is_some(), "replication {} did not finish", r.index);
        assert_eq!(r.delivered.t(), ordered, "replication {}", r.index);
        lost_total += r.lost.t();
    }
    // Each of the 10 lots of 600 t is lost a geometric number of times (re-shipments can be
    // lost again): mean 0.2/0.8 = 0.25, variance 0.2/0.8^2 = 0.3125. Per replication the
    // losses have mean 1,500 t and sd 600 * sqrt(3.125) = 1,061 t; over 300 replications the
    // standard error is 61 t. A correct model lands within 4 standard errors (99.99 %).
    let mean = lost_total / out.rows.len() as f64;
    let se = 600.0 * (10.0f64 * 0.3125).sqrt() / (out.rows.len() as f64).sqrt();
    assert!((mean - 1500.0).abs() < 4.0 * se, "mean lost {mean} t, expected 1500 +- {:.0}", 4.0 * se);
    // The trace shows the replacements and what they replace.
    let trace = out.traces.into_iter().next().unwrap().1;
    let lost: Vec<LotId> = trace.lots.iter_ids().filter(|(_, l)| l.outcome == LotFate::Lost).map(|(i, _)| i).collect();
    let replaced: Vec<LotId> = trace.lots.iter().filter_map(|l| l.replaces).collect();
    assert_eq!(lost, replaced, "each lost lot is replaced exactly once");
}
