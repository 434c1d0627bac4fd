//! Property tests: no scenario, however generated or mangled, panics the loader or the
//! simulator, and every valid one keeps every invariant on every event.
//!
//! 256 cases each from a fixed seed in CI; set `PROPTEST_CASES` (more cases) and
//! `PROPTEST_SEED` (other cases) for a longer hunt. A failure found that way becomes a
//! named regression test next to the code it broke.

use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use steelsim::model::{Checks, Replication};
use steelsim::scenario::{LoadError, load_str};

/// 256 cases from a fixed seed, so CI is reproducible; `PROPTEST_CASES=N` runs more and
/// `PROPTEST_SEED=S` explores other cases.
fn config() -> ProptestConfig {
    let env = |k: &str| std::env::var(k).ok().and_then(|c| c.parse::<u64>().ok());
    let cases = env("PROPTEST_CASES").unwrap_or(256).max(256) as u32;
    let seed = env("PROPTEST_SEED").unwrap_or(20_261_124);
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
        ..ProptestConfig::default()
    }
}

/// A random duration distribution, in hours, with its parameters in their valid ranges.
fn duration() -> impl Strategy<Value = String> {
    scaled_duration(1.0)
}

/// [`duration`] with every time multiplied by `k` (per-carrier times are minutes, not hours).
fn scaled_duration(k: f64) -> impl Strategy<Value = String> {
    prop_oneof![
        (0.1f64..72.0).prop_map(move |h| format!("\"{:.3}h\"", h * k)),
        (0.1f64..24.0, 0.1f64..48.0).prop_map(move |(a, w)| format!(
            "{{ dist = \"uniform\", min = \"{:.3}h\", max = \"{:.3}h\" }}",
            a * k,
            (a + w) * k
        )),
        (0.0f64..24.0, 0.0f64..1.0, 0.1f64..48.0).prop_map(move |(a, m, w)| format!(
            "{{ dist = \"triangular\", min = \"{:.3}h\", mode = \"{:.3}h\", max = \"{:.3}h\" }}",
            a * k,
            (a + m * w) * k,
            (a + w) * k
        )),
        (0.1f64..48.0).prop_map(move |m| format!("{{ dist = \"exponential\", mean = \"{:.3}h\" }}", m * k)),
        (0.5f64..48.0, 0.05f64..1.5).prop_map(move |(m, cv)| format!(
            "{{ dist = \"lognormal\", mean = \"{:.3}h\", sd = \"{:.3}h\" }}",
            m * k,
            m * cv * k
        )),
        (0.5f64..48.0, 1.5f64..5.0).prop_map(move |(m, r)| format!(
            "{{ dist = \"lognormal\", median = \"{:.3}h\", p95 = \"{:.3}h\" }}",
            m * k,
            m * r * k
        )),
        (0.5f64..48.0, 0.1f64..1.0).prop_map(move |(m, cv)| format!(
            "{{ dist = \"gamma\", mean = \"{:.3}h\", sd = \"{:.3}h\" }}",
            m * k,
            m * cv * k
        )),
        (0.6f64..4.0, 0.5f64..48.0).prop_map(move |(shape, s)| format!(
            "{{ dist = \"weibull\", shape = {shape:.2}, scale = \"{:.3}h\" }}",
            s * k
        )),
        (0.5f64..24.0, 0.05f64..0.5).prop_map(move |(m, cv)| format!(
            "{{ dist = \"normal\", mean = \"{:.3}h\", sd = \"{:.3}h\" }}",
            m * k,
            m * cv * k
        )),
        prop::collection::vec(0.1f64..48.0, 1..6).prop_map(move |v| format!(
            "{{ dist = \"empirical\", values = [{}] }}",
            v.iter().map(|x| format!("\"{:.3}h\"", x * k)).collect::<Vec<_>>().join(", ")
        )),
    ]
}

/// A stage with random capacity, service and optional breakdowns and inspections.
fn stage(name: &'static str, extra: &'static str, k: f64) -> impl Strategy<Value = String> {
    (
        1u32..5,
        scaled_duration(k),
        prop::option::of((duration(), duration())),
        prop::option::of((0.0f64..0.5, duration())),
    )
        .prop_map(move |(cap, service, failures, inspection)| {
            let mut s = format!("{{ name = \"{name}\", capacity = {cap}, {extra}{service}");
            if let Some((between, repair)) = failures {
                // Keep machines up most of the time so runs end in reasonable simulated time.
                s += &format!(
                    ", failures = {{ between = {{ dist = \"exponential\", mean = \"{}h\" }}, repair = {repair} }}",
                    200.0 + between.len() as f64
                );
            }
            if let Some((p, time)) = inspection {
                s += &format!(", inspection = {{ p = {p:.2}, time = {time} }}");
            }
            s + " }"
        })
}

/// A random valid network: 1 to 3 mills feeding a yard, a border with a change of
/// carriers, and a destination; random capacities, distributions, departures, background
/// traffic and disruptions.
fn scenario() -> impl Strategy<Value = String> {
    let order = (1u32..4, 500u32..20_000, 10u32..120, 1u32..4);
    let mills = prop::collection::vec((50u32..2_000, 0.0f64..1.0, duration()), 3);
    let pools = (20u32..70, 2u32..8, 2u32..8, duration(), duration());
    let stages = (
        stage("customs", "service = ", 1.0),
        stage("interchange", "transload = true, service_per_carrier = ", 1.0 / 20.0),
        stage("unload", "ends_here = true, service = ", 1.0),
    );
    let legs = (duration(), duration(), duration(), prop::option::of((1u32..4, 1u32..72)));
    let extras = (
        prop::option::of((1u32..20, 6u32..96)),
        prop::option::of((0.0f64..1.0, 0.0f64..1.0, duration(), any::<bool>())),
    );
    (order, mills, pools, stages, legs, extras).prop_map(
        |(
            (n_mills, tonnes, days, lots_per_mill_scale),
            mills,
            (payload, narrow_mult, broad_mult, empty_a, empty_b),
            (customs, interchange, unload),
            (t_mill, t_yard, t_dest, departures),
            (background, disruption),
        )| {
            let n_mills = n_mills as usize;
            // Lots: at most ~100 per mill, so every case runs in milliseconds.
            let per_mill = f64::from(tonnes) / n_mills as f64;
            let lot_t = (per_mill / f64::from(10 * lots_per_mill_scale)).max(f64::from(payload)).ceil();
            let wagons_per_lot = (lot_t / f64::from(payload)).ceil() as u32;
            let group = departures.map(|(mult, _)| wagons_per_lot * mult);
            let narrow = wagons_per_lot * narrow_mult.max(group.map_or(1, |g| g / wagons_per_lot + 1));
            let broad = wagons_per_lot * broad_mult;
            let mut s = String::from("name = \"generated\"\n\n[order]\n");
            // Overloaded networks (ending at the horizon) are allowed, but the horizon is kept
            // near so that they cost little.
            let horizon = jiff_date(days + 150);
            s += &format!("tonnes = {tonnes}\nstart = 2025-09-01\n");
            let deadline = jiff_date(days);
            s += &format!("deadline = {deadline}\nmix = {{ steel = 1.0 }}\ndestinations = {{ dest = 1.0 }}\n");
            s += &format!("horizon = {horizon}\nhandover = [\"border\"]\n\n");
            s += &format!("[pools.narrow]\nunits = {narrow}\npayload_t = {payload}\nempty_return = {empty_a}\n\n");
            s += &format!("[pools.broad]\nunits = {broad}\npayload_t = {payload}\nempty_return = {empty_b}\n\n");
            // Random shares in hundredths, the last mill taking the rest, so they add up to 1.
            let mut left = 100u32;
            for (i, (rate, share, _)) in mills.iter().take(n_mills).enumerate() {
                let pct = if i + 1 == n_mills { left } else { 1 + (share * f64::from(left - 1) / 2.0) as u32 };
                left -= pct;
                s += &format!(
                    "[mills.m{i}]\nsupplies = {{ steel = {:.2} }}\nrate_t_per_day = {rate}\nlot_t = {lot_t}\n\n",
                    f64::from(pct) / 100.0
                );
            }
            s += &format!("[nodes.yard]\nkind = \"yard\"\nyard_t = {}\nstages = [{customs}]\n\n", lot_t * 4.0);
            s += &format!("[nodes.border]\nkind = \"border\"\nstages = [{interchange}]\n\n");
            s += &format!("[nodes.dest]\nkind = \"destination\"\nstages = [{unload}]\n\n");
            for (i, (_, _, transit)) in mills.iter().take(n_mills).enumerate() {
                let transit = if i == 0 { &t_mill } else { transit };
                s += &format!(
                    "[legs.m{i}_yard]\nfrom = \"m{i}\"\nto = \"yard\"\nmode = \"rail\"\npool = \"narrow\"\ntransit = {transit}\n\n"
                );
            }
            s += &format!("[legs.yard_border]\nfrom = \"yard\"\nto = \"border\"\nmode = \"rail\"\npool = \"narrow\"\ntransit = {t_yard}\n");
            if let (Some(size), Some((_, wait))) = (group, departures) {
                s += &format!("departures = {{ size = {size}, max_wait = \"{wait}h\" }}\n");
            }
            s += &format!("\n[legs.border_dest]\nfrom = \"border\"\nto = \"dest\"\nmode = \"rail\"\npool = \"broad\"\ntransit = {t_dest}\n\n");
            s += "[routes.rail]\nmodes = [\"rail\"]\n\n";
            if let Some((units, every_h)) = background {
                s += &format!(
                    "[background.others]\nstage = \"border.interchange\"\nbacklog_units = {units}\nunits_per_job = {units}\nevery = {{ dist = \"exponential\", mean = \"{every_h}h\" }}\n\n"
                );
            }
            if let Some((p, at, duration, closed)) = disruption {
                let effect = if closed { "closed = true".to_string() } else { "factor = 0.5".to_string() };
                let from = jiff_date((f64::from(days) * at * 0.5) as u32);
                s += &format!(
                    "[[disruptions]]\nname = \"strike\"\ntarget = \"border\"\nprobability = {p:.2}\nwindow = [{from}, {deadline}]\nduration = {duration}\n{effect}\n"
                );
            }
            s
        },
    )
}

/// 2025-09-01 plus `days`, as an ISO date.
fn jiff_date(days: u32) -> String {
    let months = [(9, 30), (10, 31), (11, 30), (12, 31), (1, 31), (2, 28), (3, 31), (4, 30), (5, 31)];
    let (mut left, mut year) = (days, 2025);
    for (month, len) in months {
        if left < len {
            return format!("{year}-{month:02}-{:02}", left + 1);
        }
        left -= len;
        if month == 12 {
            year += 1;
        }
    }
    format!("{year}-06-01")
}

/// Whether a rendered error names a place as `label:line:column`.
fn has_location(rendered: &str, label: &str) -> bool {
    rendered.match_indices(&format!("{label}:")).any(|(i, m)| {
        let rest = &rendered[i + m.len()..];
        let mut parts = rest.splitn(3, ':');
        let line = parts.next().unwrap_or("");
        let col: String = parts.next().unwrap_or("").chars().take_while(char::is_ascii_digit).collect();
        !line.is_empty() && line.chars().all(|c| c.is_ascii_digit()) && !col.is_empty()
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_scenarios_load_run_and_keep_every_invariant(text in scenario(), seed in any::<u64>()) {
        let world = match load_str(&text, "generated.toml", "generated") {
            Ok(w) => w,
            Err(e) => return Err(TestCaseError::fail(format!("a valid scenario was refused:\n{}\n{text}", e.render(false)))),
        };
        for i in 0..2 {
            match Replication::new(&world, i, seed.wrapping_add(i), false).with_checks(Checks::Full).run() {
                Ok(r) => prop_assert_eq!(r.delivered + r.in_transit + r.unproduced, world.order.tonnes),
                Err(e) => {
                    return Err(TestCaseError::fail(format!("{e}\n{text}")));
                }
            }
        }
    }
}

/// The generated scenario under a contract: DAP at the border, a random tolerance, and the
/// order split into two call-offs, the second due on the deadline.
fn with_contract(text: &str, tolerance_pct: u32, first_share: f64) -> String {
    let deadline = text.lines().find_map(|l| l.strip_prefix("deadline = ")).expect("a deadline").to_string();
    let tonnes: f64 = text.lines().find_map(|l| l.strip_prefix("tonnes = ")).expect("tonnes").parse().unwrap();
    let first = (tonnes * first_share).round().max(1.0).min(tonnes - 1.0);
    let early = "2025-09-05"; // the generated deadlines are 10 days or more after the start
    let contract = format!(
        "[contract]\nincoterm = \"DAP\"\nplace = \"border\"\ntolerance_pct = {tolerance_pct}\nprice_per_t = 100\n\
         calloffs = [{{ by = {early}, tonnes = {first} }}, {{ by = {deadline}, tonnes = {} }}]\n\
         damages = {{ per_t_day = 1, cap_pct = 20 }}\n\n",
        tonnes - first
    );
    text.replace("handover = [\"border\"]\n", "").replace("[pools.narrow]", &format!("{contract}[pools.narrow]"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..config() })]

    /// Whatever the network, the same replications judged two ways: where the handover step
    /// sits does not change a single random draw (the trajectories are identical), the floor
    /// on arrival at the border comes no later than every tonne after the border's stages,
    /// every call-off is met no more often than any one of them, and damages stay within
    /// their cap.
    #[test]
    fn the_contract_is_never_harder_than_every_tonne(
        text in scenario(), seed in any::<u64>(), tolerance in 0u32..30, first in 0.1f64..0.9,
    ) {
        let load = |text: &str| match load_str(text, "generated.toml", "generated") {
            Ok(w) => Ok(w),
            Err(e) => Err(TestCaseError::fail(format!("a valid scenario was refused:\n{}\n{text}", e.render(false)))),
        };
        let contract_text = with_contract(&text, tolerance, first);
        let (legacy, world) = (load(&text)?, load(&contract_text)?);
        let plan = steelsim::experiment::Plan { replications: 8, seed, threads: Some(1), trace: None };
        let run = |w| steelsim::experiment::run(w, &plan, &mut |_| {}).map_err(|e| TestCaseError::fail(format!("{e}\n{contract_text}")));
        let (before, out) = (run(&legacy)?, run(&world)?);
        let s = steelsim::analysis::summary::build(&world, seed, &out);
        let c = s.contract.expect("a contract section");
        let least = c.calloffs.iter().map(|k| k.p_met).fold(1.0, f64::min);
        prop_assert!(c.p_all_calloffs_met <= least);
        for (old, r) in before.rows.iter().zip(&out.rows) {
            prop_assert_eq!((old.completion_days, old.events, old.delivered, old.lost), (r.completion_days, r.events, r.delivered, r.lost));
            let k = r.contract.expect("every row is judged");
            let never = f64::INFINITY;
            prop_assert!(
                k.completion_days.unwrap_or(never) <= old.handover_completion_days.unwrap_or(never),
                "replication {}: {:?} > {:?}", r.index, k.completion_days, old.handover_completion_days
            );
            prop_assert!(k.damages >= 0.0 && k.damages <= 0.2 * 100.0 * world.order.tonnes.t() + 1e-9);
            prop_assert!(k.calloffs_met as usize <= c.calloffs.len());
        }
    }
}

/// Valid scenarios to mangle: small ones that run fast, and the baseline for its breadth.
const BASES: [(&str, &str); 3] = [
    ("tiny.toml", include_str!("../fixtures/tiny.toml")),
    ("sea.toml", include_str!("../fixtures/sea.toml")),
    ("baseline.toml", include_str!("../../scenarios/baseline.toml")),
];

#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    /// Replace the value after the `=` on a line with one of the hostile values.
    ReplaceValue(usize, usize),
    /// Cut the text at a byte position (a truncated file).
    Truncate(usize),
    /// Insert hostile text at a byte position.
    Insert(usize, usize),
}

const HOSTILE: [&str; 22] = [
    "nan",
    "-nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "1e308",
    "-1e308",
    "9223372036854775807",
    "-9223372036854775808",
    "\"\"",
    "\"Ωμέγα 🚂\"",
    "\"-5h\"",
    "\"1e400d\"",
    "true",
    "[]",
    "{}",
    "{ dist = \"gamma\", mean = \"-2h\", sd = \"0h\" }",
    "{ dist = \"triangular\", min = \"5h\", mode = \"1h\", max = \"2h\" }",
    "2025-02-30",
    "\"x\" = 1",
    "[[",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(|i| Mutation::DeleteLine(i.index(10_000))),
        any::<prop::sample::Index>().prop_map(|i| Mutation::DuplicateLine(i.index(10_000))),
        (any::<prop::sample::Index>(), 0..HOSTILE.len()).prop_map(|(i, h)| Mutation::ReplaceValue(i.index(10_000), h)),
        any::<prop::sample::Index>().prop_map(|i| Mutation::Truncate(i.index(1_000_000))),
        (any::<prop::sample::Index>(), 0..HOSTILE.len()).prop_map(|(i, h)| Mutation::Insert(i.index(1_000_000), h)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        return format!("{text}{}", HOSTILE[0]);
    }
    let n = lines.len();
    match *m {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) => {
            let l = lines[i % n].clone();
            lines.insert(i % n, l);
        }
        Mutation::ReplaceValue(i, h) => {
            // Prefer lines that hold a value, so most mutations hit a field.
            let with_value: Vec<usize> = (0..lines.len()).filter(|&k| lines[k].contains(" = ")).collect();
            if let Some(&k) = with_value.get(i % with_value.len().max(1)) {
                let key = lines[k].split(" = ").next().unwrap_or("").to_owned();
                lines[k] = format!("{key} = {}", HOSTILE[h]);
            }
        }
        Mutation::Truncate(at) => {
            let mut at = at % text.len().max(1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            return text[..at].to_owned();
        }
        Mutation::Insert(at, h) => {
            let mut at = at % text.len().max(1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            return format!("{}{}{}", &text[..at], HOSTILE[h], &text[at..]);
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mangled_scenarios_give_located_errors_or_run_never_panic(
        base in 0..BASES.len(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let (label, text) = BASES[base];
        let mut mangled = text.to_owned();
        for m in &mutations {
            mangled = apply(&mangled, m);
        }
        let outcome = match load_str(&mangled, label, "mangled") {
            Err(e @ LoadError::Invalid { .. }) => {
                let rendered = e.render(false);
                prop_assert!(!e.diagnostics().is_empty());
                prop_assert!(has_location(&rendered, label), "no {label}:line:col in\n{rendered}");
                &MUTANTS_REFUSED
            }
            Err(other) => return Err(TestCaseError::fail(format!("unexpected error kind: {other}"))),
            Ok(mut world) => {
                // Still valid (a comment deleted, a value that happens to fit): it must run,
                // within a small event budget so a slow mutant cannot stall the suite.
                world.max_events = world.max_events.min(300_000);
                match Replication::new(&world, 0, 1, false).with_checks(Checks::Sampled).run() {
                    Ok(r) => prop_assert_eq!(r.delivered + r.in_transit + r.unproduced, world.order.tonnes),
                    Err(e) => return Err(TestCaseError::fail(format!("{e}\n{mangled}"))),
                }
                &MUTANTS_RAN
            }
        };
        outcome.fetch_add(1, Ordering::Relaxed);
        // The tally of a long run (docs/validation.md), printed once every case has passed.
        let (refused, ran) = (MUTANTS_REFUSED.load(Ordering::Relaxed), MUTANTS_RAN.load(Ordering::Relaxed));
        if refused + ran == u64::from(config().cases) {
            eprintln!("mangled scenarios: {refused} refused with a located message, {ran} still valid and ran");
        }
    }
}

/// Mangled scenarios refused, and still valid (and run), so far.
static MUTANTS_REFUSED: AtomicU64 = AtomicU64::new(0);
static MUTANTS_RAN: AtomicU64 = AtomicU64::new(0);
