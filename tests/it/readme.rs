//! README's example output is what the command prints today: the numbers it quotes are
//! reproduced, not remembered.

use crate::common::{ok, repo, runnable, steelsim, text};

/// The text block after "The run prints a summary like this".
fn readme_block() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let after = readme.split("The run prints a summary like this").nth(1).expect("README has the example");
    let block = after.split("```text\n").nth(1).and_then(|b| b.split("\n```").next()).expect("a text block");
    block.to_string()
}

#[test]
fn readme_example_output_is_what_the_main_command_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo().join("scenarios/baseline.toml");
    let printed = ok(&steelsim(
        &["run", scenario.to_str().unwrap(), "--seed", "7", "--out", tmp.path().join("b").to_str().unwrap()],
        tmp.path(),
    ));
    // The last line reports timings and the folder, which vary.
    let lines: Vec<&str> = printed.trim_end().lines().collect();
    let stable = lines[..lines.len() - 2].join("\n");
    assert_eq!(
        stable.replace(&scenario.display().to_string(), "scenarios/baseline.toml"),
        readme_block(),
        "README's example output is out of date: paste what `cargo run --release -- run \
         scenarios/baseline.toml --seed 7` prints (all but its last line)"
    );
}

/// "4 December 2025" from "2025-12-04".
fn long_date(iso: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let parts: Vec<usize> = iso.split('-').map(|p| p.parse().unwrap()).collect();
    format!("{} {} {}", parts[2], MONTHS[parts[1] - 1], parts[0])
}

/// The paragraph that reads the example ("Read it from the top..."), its lines joined.
fn reading() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let from = readme.split("Read it from the top.").nth(1).expect("README reads its example");
    from.split("\n\n").next().unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn readme_reading_of_the_example_quotes_what_the_run_computes() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo().join("scenarios/baseline.toml");
    let out = tmp.path().join("b");
    ok(&steelsim(
        &["run", scenario.to_str().unwrap(), "--seed", "7", "--out", out.to_str().unwrap(), "-q"],
        tmp.path(),
    ));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let g = &s["contract"]["guarantees"];
    let date = |v: &serde_json::Value| long_date(v.as_str().unwrap());
    let no_year = |v: &serde_json::Value| date(v).rsplit_once(' ').unwrap().0.to_string();
    let pct = |v: &serde_json::Value| {
        let p = format!("{:.1}", v.as_f64().unwrap() * 100.0);
        format!("{} %", p.trim_end_matches(".0"))
    };
    let floor = s["contract"]["floor_tonnes"].as_f64().unwrap();
    let text = reading();
    for quoted in [
        format!("sign **{}** as the date by which {},000 t", date(&g[0]["date"]), floor as u64 / 1000),
        format!("({} at 95 %, {} at 99 %)", no_year(&g[1]["date"]), no_year(&g[2]["date"])),
        format!("31 December in {} of replications", pct(&s["handover"]["p_on_time"])),
        format!("Bekabad in only {};", pct(&s["p_on_time"])),
        format!("at its destination by {}.", date(&s["promise"][1]["date"])),
        format!("The {} gauge interchange is the busiest resource", "Sarakhs"),
    ] {
        assert!(text.contains(&quoted), "README's reading of the example should say `{quoted}`:\n{text}");
    }
    assert_eq!(s["bottleneck"]["stage"].as_str(), Some("sarakhs.interchange"), "{}", s["bottleneck"]);
    let inputs = &s["inputs"];
    let share = format!("{:.0} %", inputs["share_destination"].as_f64().unwrap() * 100.0);
    assert!(text.contains(&format!("they account for {share} of the spread of the completion date")), "{text}");
    assert_eq!(inputs["measure_first"], "sarakhs_rate", "{inputs}");
    assert!(text.contains("the Sarakhs rate for most of it: measure it first"), "{text}");
    assert!(text.contains("every monthly call-off is met in every replication"));
    // The guarantee's price, the same to the cent at each confidence, is mostly premium.
    let price = |i: usize| format!("{:.2}", g[i]["price_per_t"].as_f64().unwrap());
    assert!(text.contains(&format!("The guarantee's price is USD {} a tonne at each confidence", price(0))), "{text}");
    assert_eq!((price(1), price(2)), (price(0), price(0)));
    let l = &s["contract"]["losses"];
    let premium = l["premium_per_t"].as_f64().unwrap();
    assert!(premium / g[0]["price_per_t"].as_f64().unwrap() > 0.9, "almost all of it the premium");
    assert!(text.contains("(0.3 % of 110 % of the goods' value)"));
    assert!(text.contains("the claims pay for nearly all the goods lost on the way to the border"));
    let (claims, seller) = (l["claims_per_t"].as_f64().unwrap(), l["seller_loss_per_t"].as_f64().unwrap());
    assert!(seller < 0.05 * claims, "nearly all: seller {seller}, claims {claims}");
    assert!(l["buyer_loss_per_t"].as_f64().unwrap() > 0.0, "the buyer's loss beyond the border");
    assert_eq!(s["contract"]["p_all_calloffs_met"].as_f64(), Some(1.0));
    // "The last 10 % of the tonnes takes about twelve days": from the floor to every tonne at
    // the border, at 90 %, within a day and a half of twelve days.
    assert!(text.contains("The last 10 % of the tonnes takes about twelve days"));
    let last = s["handover"]["promise"][0]["days"].as_f64().unwrap() - g[0]["days"].as_f64().unwrap();
    assert!((10.5..=13.5).contains(&last), "the last 10 % takes {last:.1} days");
}

/// The text block after `after` in README.
fn block_after(after: &str) -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let rest = readme.split(after).nth(1).unwrap_or_else(|| panic!("README has `{after}`"));
    rest.split("```text\n").nth(1).and_then(|b| b.split("\n```").next()).expect("a text block").to_string()
}

#[test]
fn readme_incoterm_comparison_is_what_compare_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme.split("### Which Incoterm to sign?").nth(1).expect("README compares Incoterms");
    let command = section.split("```sh\n").nth(1).and_then(|b| b.split('\n').next()).unwrap();
    let args: Vec<String> = command
        .strip_prefix("cargo run --release -- ")
        .expect("a steelsim command")
        .split(' ')
        .map(|a| match a.strip_prefix("scenarios/") {
            Some(file) => repo().join("scenarios").join(file).display().to_string(),
            None => a.to_string(),
        })
        .collect();
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = tmp.path().join("c");
    args.extend(["--out", out.to_str().unwrap()]);
    let printed = ok(&steelsim(&args, tmp.path()));
    // The contract's rows, with each variant's title and the column header.
    let rows: Vec<&str> = printed
        .lines()
        .filter(|l| l.ends_with(" minus baseline") || l.starts_with("  point ") || l.starts_with("  contract "))
        .collect();
    assert_eq!(rows.join("\n"), block_after("Its rows under the contract"), "README's comparison is out of date");
    // What the paragraph after it says, from compare.json.
    let c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    let diff = |variant: &str, metric: &str| -> f64 {
        let v = c["variants"].as_array().unwrap().iter().find(|v| v["scenario"] == variant).unwrap();
        let m = v["metrics"].as_array().unwrap().iter().find(|m| m["point"] == "contract" && m["metric"] == metric);
        m.unwrap_or_else(|| panic!("{variant} {metric}"))["difference"].as_f64().unwrap()
    };
    let text = section.split("\n```\n\n").nth(2).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("FCA Sarakhs changes nothing here"), "{text}");
    assert!(text.contains("by eight to ten days under DAP, and by eleven to thirteen days under DDP"), "{text}");
    for level in [90, 95, 99] {
        let metric = format!("sign_days_{level}");
        assert_eq!(diff("contract_fca_sarakhs", &metric), 0.0);
        let (dap, ddp) = (diff("contract_dap_destinations", &metric), diff("contract_ddp_destinations", &metric));
        // "eight to ten" and "eleven to thirteen" as whole days.
        assert!((7.5..10.5).contains(&dap), "eight to ten days: {dap}");
        assert!((10.5..13.5).contains(&ddp), "eleven to thirteen days: {ddp}");
    }
    let risk = |v: &str| -diff(v, "p_all_calloffs_met") * 100.0;
    let said = format!(
        "Both put a monthly call-off at some risk: DAP in {:.1} % of replications, DDP in {:.1} %",
        risk("contract_dap_destinations"),
        risk("contract_ddp_destinations")
    );
    assert!(text.contains(&said), "README should say `{said}`: {text}");
    let base = c["variants"][0]["metrics"].as_array().unwrap().iter().find(|m| m["metric"] == "p_all_calloffs_met");
    assert_eq!(base.unwrap()["base"].as_f64(), Some(1.0), "the baseline meets every call-off");
    let (dap, ddp) = (
        diff("contract_dap_destinations", "p_all_calloffs_met"),
        diff("contract_ddp_destinations", "p_all_calloffs_met"),
    );
    assert!(dap < 0.0 && ddp < dap, "DAP misses a call-off less often than DDP: {dap} {ddp}");
    // Who pays the carriage, and what the risk costs the seller.
    let row = |variant: &str, metric: &str| -> serde_json::Value {
        let v = c["variants"].as_array().unwrap().iter().find(|v| v["scenario"] == variant).unwrap();
        let m = v["metrics"].as_array().unwrap().iter().find(|m| m["point"] == "contract" && m["metric"] == metric);
        m.unwrap_or_else(|| panic!("{variant} {metric}")).clone()
    };
    let moved = format!("{:.1}", diff("contract_dap_destinations", "seller_cost_per_t"));
    assert!(
        text.contains(&format!("Both also move USD {moved} a tonne of carriage from the buyer to the seller")),
        "{text}"
    );
    let risk = format!("{:.1}", row("contract_dap_destinations", "seller_risk_per_t")["base"].as_f64().unwrap());
    assert!(text.contains(&format!("about the same (USD {risk} a tonne")), "{text}");
    for variant in ["contract_dap_destinations", "contract_ddp_destinations"] {
        assert_eq!(format!("{:.1}", diff(variant, "seller_cost_per_t")), moved, "{variant}");
        assert_eq!(format!("{:.1}", -diff(variant, "buyer_cost_per_t")), moved, "{variant}");
        assert!(diff(variant, "seller_risk_per_t").abs() < 0.05, "{variant}: about the same");
    }
    // FCA and DAP at Sarakhs split the costs alike, replication by replication.
    let costs = |scenario: &str| -> Vec<(String, String)> {
        let (file, dir) = (repo().join("scenarios").join(scenario), tmp.path().join(scenario));
        ok(&steelsim(&["run", file.to_str().unwrap(), "-n", "50", "-q", "--out", dir.to_str().unwrap()], tmp.path()));
        let mut r = csv::Reader::from_path(dir.join("replications.csv")).unwrap();
        let h = r.headers().unwrap().clone();
        let (s, b) =
            (h.iter().position(|c| c == "seller_cost").unwrap(), h.iter().position(|c| c == "buyer_cost").unwrap());
        r.records().map(|rec| rec.unwrap()).map(|rec| (rec[s].to_string(), rec[b].to_string())).collect()
    };
    assert_eq!(costs("baseline.toml"), costs("contract_fca_sarakhs.toml"), "FCA and DAP at Sarakhs split costs alike");
}

#[test]
fn readme_plan_answer_is_what_plan_finds() {
    let tmp = tempfile::tempdir().unwrap();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let command = readme.lines().find(|l| l.starts_with("cargo run --release -- plan ")).expect("README shows plan");
    let mut args: Vec<String> = command
        .strip_prefix("cargo run --release -- ")
        .unwrap()
        .split(' ')
        .map(|a| a.replace("scenarios/", &format!("{}/", repo().join("scenarios").display())))
        .collect();
    args.extend(["--out".into(), "p".into(), "-q".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&steelsim(&args, tmp.path()));
    let p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("p/plan.json")).unwrap()).unwrap();
    assert_eq!(p["status"], "found");
    let (answer, below) = (&p["answer"], &p["below"]);
    let text = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    let said = format!(
        "it answers {} wagons of 1435 mm (the baseline has 1,000): with {}, every call-off is met in {:.1} % of replications",
        answer["value"].as_str().unwrap(),
        below["value"].as_str().unwrap(),
        below["p_on_time"].as_f64().unwrap() * 100.0
    );
    assert!(text.contains(&said), "README should say: {said}");
}

#[test]
fn readme_pairing_gains_are_what_compare_measures() {
    let tmp = tempfile::tempdir().unwrap();
    let path = |p: &str| repo().join(p).display().to_string();
    let (base, plus100, plus300) = (
        path("scenarios/baseline.toml"),
        path("tests/fixtures/variants/plus_100_wagons.toml"),
        path("scenarios/more_wagons.toml"),
    );
    ok(&steelsim(&["compare", &base, &plus100, &plus300, "--seed", "7", "--out", "c", "-q"], tmp.path()));
    let c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("c/compare.json")).unwrap()).unwrap();
    let gain = |i: usize| {
        let m = c["variants"][i]["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["point"] == "destination" && m["metric"] == "tonnes_by_deadline_mean");
        let m = m.unwrap();
        let w = |ci: &serde_json::Value| ci[1].as_f64().unwrap() - ci[0].as_f64().unwrap();
        (w(&m["unpaired_ci95"]) / w(&m["ci95"])).round()
    };
    let text =
        std::fs::read_to_string(repo().join("README.md")).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    let times = |g: f64| if g < 1.5 { "no narrower".to_string() } else { format!("about {g} times narrower") };
    let said = format!(
        "is {} than the unpaired one; for 300 extra wagons (`scenarios/more_wagons.toml`), {}",
        times(gain(0)),
        times(gain(1))
    );
    assert!(text.contains(&said), "README should say: {said}");
}

/// Every command line README shows, in the order it shows them: the `cargo run --release --`
/// lines of its code blocks and the `steelsim ...` commands quoted in its text (those without
/// placeholders such as SCENARIO or N, and not a bare command name).
fn readme_commands() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut out = Vec::new();
    let mut in_block = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            if let Some(rest) = line.trim().strip_prefix("cargo run --release -- ") {
                out.push(rest.split_whitespace().map(String::from).collect());
            }
            continue;
        }
        for quoted in line.split('`').skip(1).step_by(2) {
            let Some(rest) = quoted.strip_prefix("steelsim ") else { continue };
            let words: Vec<String> = rest.split_whitespace().map(String::from).collect();
            let placeholder =
                |w: &String| w.chars().any(|c| c.is_ascii_uppercase()) || w.contains('[') || w.contains("...");
            // A bare `steelsim merge` names the command; it does not show a command line.
            if words.len() >= 2 && !words.iter().any(placeholder) {
                out.push(words);
            }
        }
    }
    out
}

/// A server runs until stopped: it must say where it serves, and stop cleanly on Ctrl-C (on a
/// free port, so that it cannot meet another test's server).
fn serves_until_stopped(args: &[String], dir: &std::path::Path) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_steelsim"))
        .args(args)
        .args(["--port", "0"])
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(
        line.starts_with("Serving ") && line.contains("http://127.0.0.1:"),
        "README's `steelsim {}`: {line}",
        args.join(" ")
    );
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    assert!(child.wait().unwrap().success(), "README's `steelsim {}` did not stop cleanly", args.join(" "));
}

#[test]
fn every_command_line_readme_shows_runs() {
    // With a few replications instead of thousands: what is checked is that each runs as
    // shown, in order (later lines read what earlier ones wrote), not its numbers (the tests
    // above check those).
    let tmp = tempfile::tempdir().unwrap();
    let commands = readme_commands();
    for args in &commands {
        // Re-planning traces and writes down replication 253: those runs need that many.
        let n = if args.iter().any(|a| a == "253") || args.iter().any(|a| a == "output/plan") { 254 } else { 4 };
        let args = runnable(args, n);
        if args[0] == "serve" {
            serves_until_stopped(&args, tmp.path());
            continue;
        }
        let o = steelsim(&args.iter().map(String::as_str).collect::<Vec<_>>(), tmp.path());
        assert!(o.status.success(), "README's `steelsim {}` failed:\n{}", args.join(" "), text(&o));
    }
    assert!(commands.len() >= 12, "only {} command lines found in README", commands.len());
}

#[test]
fn every_picture_readme_shows_is_in_the_repository() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut shown = 0;
    for part in readme.split("](").skip(1) {
        let target = part.split(')').next().unwrap();
        if target.ends_with(".png") || target.ends_with(".svg") {
            assert!(repo().join(target).exists(), "README shows {target}, which is not there");
            shown += 1;
        }
    }
    assert!(shown >= 4, "README shows {shown} pictures");
}
