//! `run --xlsx`: the workbook, read back with another library (calamine), holds the numbers of
//! summary.json and replications.csv, exactly.

use crate::common::{ok, repo, stderr, steelsim, text};
use calamine::{Data, Reader, Xlsx, open_workbook};
use serde_json::Value;

/// A worksheet's rows below its header.
fn sheet(book: &mut Xlsx<std::io::BufReader<std::fs::File>>, name: &str) -> Vec<Vec<Data>> {
    let range = book.worksheet_range(name).unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range.rows().skip(1).map(<[Data]>::to_vec).collect()
}

fn num(d: &Data) -> Option<f64> {
    match d {
        Data::Float(v) => Some(*v),
        Data::Int(v) => Some(*v as f64),
        Data::Empty => None,
        other => panic!("not a number: {other:?}"),
    }
}

fn word(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::Empty => String::new(),
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn the_workbook_holds_the_numbers_of_the_summary_and_the_replications() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scenario = repo().join("scenarios/contract_dap_destinations.toml");
    ok(&steelsim(&["run", scenario.to_str().unwrap(), "-n", "80", "--seed", "5", "-q", "--xlsx", "--out", "r"], t));
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(t.join("r/summary.json")).unwrap()).unwrap();
    let mut book: Xlsx<_> = open_workbook(t.join("r/results.xlsx")).unwrap();

    // The summary: P(on time) and completion quantiles at both points, with their intervals.
    let rows = sheet(&mut book, "Summary");
    let find = |measure: &str, at: &str| {
        rows.iter().find(|r| word(&r[0]) == measure && word(&r[1]) == at).unwrap_or_else(|| panic!("{measure} {at}"))
    };
    for (at, s) in [("destinations", &summary), ("handover", &summary["handover"])] {
        let r = find("P(on time)", at);
        assert_eq!(num(&r[2]), s["p_on_time"].as_f64());
        assert_eq!([num(&r[3]), num(&r[4])], [s["p_on_time_ci95"][0].as_f64(), s["p_on_time_ci95"][1].as_f64()]);
        let r = find("completion, 95th percentile", at);
        assert_eq!(num(&r[2]), s["completion_days"]["p95"].as_f64());
        assert_eq!(num(&r[4]), s["completion_days"]["p95_ci95"][1].as_f64());
    }
    assert_eq!(num(&find("replications", "")[2]), Some(80.0));
    assert_eq!(num(&find("cost per tonne", "")[2]), summary["cost"]["per_tonne"].as_f64());

    // Every promise, every guarantee, every stage, every call-off.
    let promises = sheet(&mut book, "Promises");
    let mut checked = 0;
    for (at, s) in [("destinations", &summary), ("handover", &summary["handover"])] {
        for p in s["promise"].as_array().unwrap() {
            let r = promises.iter().find(|r| num(&r[0]) == p["confidence"].as_f64() && word(&r[1]) == at).unwrap();
            assert_eq!(word(&r[2]), p["date"].as_str().unwrap_or(""));
            assert_eq!(num(&r[3]), p["days"].as_f64());
            checked += 1;
        }
    }
    assert_eq!(checked, promises.len());
    let guarantees = sheet(&mut book, "Guarantees");
    for (g, r) in summary["guarantees"].as_array().unwrap().iter().zip(guarantees.chunks(2)) {
        assert_eq!(num(&r[0][6]), g["destination"]["tonnes_by_deadline"].as_f64());
        assert_eq!(num(&r[1][3]), g["handover"]["promise_days"].as_f64());
    }
    let stages = sheet(&mut book, "Stages");
    for (s, r) in summary["stages"].as_array().unwrap().iter().zip(&stages) {
        assert_eq!(word(&r[0]), s["name"].as_str().unwrap());
        assert_eq!(num(&r[3]), s["mean_wait_hours"].as_f64());
        assert_eq!(num(&r[6]), s["utilisation"].as_f64());
    }
    assert_eq!(stages.len(), summary["stages"].as_array().unwrap().len());
    let calloffs = sheet(&mut book, "Call-offs");
    let expected = summary["contract"]["calloffs"].as_array().unwrap();
    assert!(!expected.is_empty() && calloffs.len() == expected.len());
    for (c, r) in expected.iter().zip(&calloffs) {
        assert_eq!(num(&r[3]), c["p_met"].as_f64());
    }

    // Every replication, cell by cell, as replications.csv has it.
    let reps = sheet(&mut book, "Replications");
    let mut csv = csv::Reader::from_path(t.join("r/replications.csv")).unwrap();
    let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(reps.len(), records.len());
    for (r, rec) in reps.iter().zip(&records) {
        for (cell, field) in r.iter().zip(rec.iter()) {
            match field.parse::<f64>() {
                Ok(v) if !matches!(cell, Data::String(_)) => assert_eq!(num(cell), Some(v), "{field}"),
                _ => assert_eq!(word(cell), field),
            }
        }
    }
}

#[test]
fn a_workbook_too_large_for_a_worksheet_is_refused_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = repo().join("tests/fixtures/tiny.toml");
    let o = steelsim(&["run", tiny.to_str().unwrap(), "-n", "2000000", "--xlsx", "-q", "--out", "big"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("at most 1048575 replications"), "{}", stderr(&o));
    assert!(!tmp.path().join("big").exists());
}
