//! The `steelsim` command line: parses arguments, calls the library, maps errors to exit
//! codes (0 ok, 1 simulation failure, 2 bad input, 3 calibration outside its bands, 130
//! interrupted). No logic lives here.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use steelsim::app::study::StudyOptions;
use steelsim::app::{self, PrecisionOptions, RunOptions};
use steelsim::experiment::Shard;
use steelsim::scenario::Override;
use steelsim::study::Point;
use steelsim::study::params::Values;

#[derive(Parser)]
#[command(
    name = "steelsim",
    version,
    about = "Discrete-event simulation of a steel order's journey from mills to customers",
    long_about = "steelsim replays a steel order through its network of mills, yards, ports, rail and road legs, \
                  borders and customs, thousands of times with different random draws, and reports how likely \
                  the order is to arrive in full and on time, what can be promised at 90/95/99 % confidence, \
                  and where it gets stuck.",
    after_help = "Exit codes: 0 success, 1 simulation failure, 2 bad input (scenario, options or output folder),\n\
                  3 a calibration check outside its band (`calibrate`),\n\
                  130 interrupted (Ctrl-C; nothing written, earlier results untouched).\n\
                  Run `steelsim help run` for the options of a command."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs replications of a scenario and writes summary.json, replications.csv and shipments.csv.
    #[command(after_help = "Example:\n  steelsim run scenarios/baseline.toml --replications 1000 --seed 7\n\n\
                            Results go to output/<scenario name>/ (or --out), replacing earlier results of the same\n\
                            scenario only once every file is complete.")]
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Number of replications.
        #[arg(short = 'n', long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
        replications: u64,
        /// Master seed: the same scenario and seed give byte-identical results.
        #[arg(short, long, default_value_t = 1)]
        seed: u64,
        /// Output folder [default: output/<scenario name>].
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Worker threads [default: one per core]; results do not depend on it.
        #[arg(short = 'j', long, value_parser = clap::value_parser!(u64).range(1..=1024))]
        threads: Option<u64>,
        /// No progress bar and no summary on the terminal.
        #[arg(short, long)]
        quiet: bool,
        /// Replace results of a different scenario in the output folder.
        #[arg(long)]
        force: bool,
        /// Print summary.json to stdout and nothing else (for scripts and harnesses).
        #[arg(long)]
        json: bool,
        /// Run only replications I, I+N, I+2N, ... (for a cluster job array); combine with `steelsim merge`.
        #[arg(long, value_name = "I/N", value_parser = parse_shard)]
        shard: Option<Shard>,
        /// Keep adding batches of --replications until the 95 % interval of P(on time) is at most
        /// +/- this wide (at both delivery points), and the 95 % promise date +/- --precision-days.
        #[arg(long, value_name = "HALF_WIDTH", value_parser = parse_probability)]
        precision: Option<f64>,
        /// With --precision: the largest half-width, in days, of the 95 % promise date's interval.
        #[arg(long, value_name = "DAYS", default_value_t = 1.0, requires = "precision")]
        precision_days: f64,
        /// With --precision: stop at this many replications even if not precise enough.
        #[arg(long, value_name = "N", default_value_t = 100_000, requires = "precision")]
        max_replications: u64,
        /// Override a scenario field, e.g. --set pools.wagons_1520.units=400 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
        overrides: Vec<Override>,
        /// Check every invariant after every event (clock, capacities, yards, route order,
        /// tonnes conserved); slower, results unchanged. A broken invariant stops the run (exit 1).
        #[arg(long)]
        check: bool,
        /// Print where the time went (load, simulate, aggregate, write) and events per second
        /// to stderr; they are also in run.json.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Combines the folders of a sharded run into the results of the whole run.
    #[command(after_help = "Example (4 shards, e.g. a Slurm job array or a Kubernetes Indexed Job):\n  \
                            steelsim run scenarios/baseline.toml -n 10000 --shard 0/4 --out shards/0\n  \
                            ... (1/4, 2/4, 3/4 on other machines)\n  \
                            steelsim merge shards/0 shards/1 shards/2 shards/3 --out output/baseline\n\n\
                            The merged summary.json and replications.csv are byte for byte those of one run.")]
    Merge {
        /// Shard folders, one per shard.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Where to write the merged results.
        #[arg(short, long)]
        out: PathBuf,
        /// Replace results of a different scenario in the output folder.
        #[arg(long)]
        force: bool,
        /// Print the merged summary.json to stdout and nothing else.
        #[arg(long)]
        json: bool,
    },
    /// Runs several scenarios on the same random numbers and reports paired differences.
    #[command(
        after_help = "Example:\n  steelsim compare scenarios/baseline.toml scenarios/sarakhs_relief.toml -n 1000\n\n\
                            Every scenario runs replications 0..N with the same seeds; each component draws from its own\n\
                            stream, so the differences are due to the change, not to luck. compare.json and compare.csv give\n\
                            each difference with its paired 95 % interval and the unpaired interval it improves on."
    )]
    Compare {
        /// The base scenario.
        base: PathBuf,
        /// Variants to compare with it.
        #[arg(required = true)]
        variants: Vec<PathBuf>,
        #[command(flatten)]
        study: StudyArgs,
        /// Override a field in every scenario, e.g. --set order.deadline=2026-01-31 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
        overrides: Vec<Override>,
        /// Print compare.json to stdout and nothing else.
        #[arg(long)]
        json: bool,
    },
    /// Runs a scenario over values of one or more fields (or a tornado chart of many).
    #[command(
        after_help = "Examples:\n  steelsim sweep scenarios/baseline.toml --set pools.wagons_1435.units=800..1600:200\n  \
                            steelsim sweep scenarios/baseline.toml --set nodes.sarakhs.stages[0].capacity=2,3,4,5\n  \
                            steelsim sweep scenarios/baseline.toml --tornado 20\n\n\
                            A --set with several values (V1,V2,... or LO..HI:STEP) is swept; with one value it is fixed.\n\
                            Every point uses the same seeds (common random numbers). Writes sweep.csv and sweep.json, or\n\
                            tornado.csv and tornado.json."
    )]
    Sweep {
        /// The scenario.
        scenario: PathBuf,
        /// A field and the values to try: PATH=V1,V2,... or PATH=LO..HI:STEP (repeatable; several form a grid).
        #[arg(long = "set", value_name = "PATH=VALUES", value_parser = parse_values)]
        axes: Vec<Values>,
        /// Instead of a sweep: move each key parameter down and up by this percentage and rank the effects.
        #[arg(long, value_name = "PCT")]
        tornado: Option<f64>,
        /// With --tornado: the parameters to move (default: every capacity, service and transit time, pool and rate).
        #[arg(long = "param", value_name = "PATH", requires = "tornado")]
        params: Vec<String>,
        #[command(flatten)]
        study: StudyArgs,
    },
    /// Finds the smallest value of a resource that makes the on-time probability reach a target.
    #[command(after_help = "Example:\n  steelsim plan scenarios/baseline.toml --target 0.95 --at handover \\\n      \
                            --vary pools.wagons_1435.units=800..2000:100\n\n\
                            The answer is the smallest value whose 95 % interval lies at or above the target, with the value\n\
                            one step below shown not to reach it; replications double (up to --max-replications) until the\n\
                            two are told apart. Writes plan.json.")]
    Plan {
        /// The scenario.
        scenario: PathBuf,
        /// Target on-time probability, e.g. 0.95.
        #[arg(long)]
        target: f64,
        /// The field and its candidate values: PATH=LO..HI:STEP (or V1,V2,... ascending).
        #[arg(long, value_name = "PATH=LO..HI:STEP", value_parser = parse_values)]
        vary: Values,
        /// Where the order must arrive on time.
        #[arg(long, value_enum, default_value_t = At::Destination)]
        at: At,
        /// Most replications per value when sharpening the answer.
        #[arg(long, value_name = "N", default_value_t = 64_000)]
        max_replications: u64,
        #[command(flatten)]
        study: StudyArgs,
        /// Override another field, e.g. --set order.deadline=2026-01-31 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
        overrides: Vec<Override>,
    },
    /// Redraws the figures (and report.html) of a results folder from its CSV and JSON files.
    #[command(after_help = "Example:\n  steelsim plot output/baseline\n\n\
                            Works on the folders of run, merge, compare, sweep and sweep --tornado. Nothing is re-run:\n\
                            the figures are drawn from the data files, byte for byte as when the results were made.")]
    Plot {
        /// A results folder.
        dir: PathBuf,
    },
    /// Prints the network as tables and its theoretical bottleneck, from the scenario's own figures.
    #[command(after_help = "Example:\n  steelsim explain scenarios/baseline.toml\n\n\
                            For every server the order passes: the hours of work its lots bring (route shares, mean\n\
                            service per tonne), the hours background traffic takes, and the capacity; the stage with\n\
                            the highest load is the theoretical bottleneck. Nothing is simulated: queues, calendars,\n\
                            breakdowns and disruptions only make things worse than this ceiling.")]
    Explain {
        /// The scenario file.
        scenario: PathBuf,
        /// Override a scenario field first (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
        overrides: Vec<Override>,
    },
    /// Writes a small commented starter scenario that validates and runs as is.
    #[command(after_help = "Example:\n  steelsim init my_corridor.toml && steelsim validate my_corridor.toml")]
    Init {
        /// Where to write it.
        #[arg(default_value = "scenario.toml")]
        path: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Checks the simulated network against DOMAIN.md section 5 (transit times, Sarakhs throughput,
    /// background flow) and prints the table.
    #[command(
        after_help = "Example:\n  steelsim calibrate scenarios/baseline.toml -n 200 --seed 7 --write scenarios/README.md\n\n\
                            Each measure is computed per replication (a median over its lots, or a count up to the\n\
                            deadline) and averaged, with a 95 % interval; a check passes when the whole interval lies\n\
                            in its band. The checks use the baseline's names (tm_rail, khorasan, tashkent,\n\
                            sarakhs.interchange, background.iran_uzbekistan).\n\n\
                            Exit codes: 0 every check within its band, 3 some outside (the table says which),\n\
                            2 bad input, 1 simulation failure."
    )]
    Calibrate {
        /// The scenario file.
        scenario: PathBuf,
        /// Number of replications.
        #[arg(short = 'n', long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
        replications: u64,
        /// Master seed.
        #[arg(short, long, default_value_t = 1)]
        seed: u64,
        /// Worker threads [default: one per core]; results do not depend on it.
        #[arg(short = 'j', long, value_parser = clap::value_parser!(u64).range(1..=1024))]
        threads: Option<u64>,
        /// Also put the table into FILE, between its lines <!-- calibration:begin --> and <!-- calibration:end -->.
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
        /// Print the outcomes as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Override a scenario field first (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
        overrides: Vec<Override>,
    },
    /// Prints a JSON Schema of a file steelsim reads or writes, for editors, validators and harnesses.
    #[command(after_help = "Examples:\n  steelsim schema summary > summary.schema.json\n  \
                            steelsim schema scenario > scenario.schema.json\n\n\
                            Both ship in docs/. For completion in VS Code (Even Better TOML / Taplo), put\n\
                            #:schema ../docs/scenario.schema.json as the first line of a scenario file.")]
    Schema {
        /// Which file.
        #[arg(value_enum)]
        which: SchemaKind,
    },
    /// Checks scenario files without running them; reports every problem with file:line:col.
    #[command(after_help = "Example:\n  steelsim validate scenarios/*.toml")]
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Override a scenario field before checking (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
        overrides: Vec<Override>,
    },
}

/// Options shared by the study commands.
#[derive(clap::Args)]
struct StudyArgs {
    /// Replications per run (for `plan`: to start with).
    #[arg(short = 'n', long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    replications: u64,
    /// Master seed shared by every run.
    #[arg(short, long, default_value_t = 1)]
    seed: u64,
    /// Worker threads [default: one per core].
    #[arg(short = 'j', long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Output folder [default: output/<name>-compare|-sweep|-tornado|-plan].
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Replace results of a different study in the output folder.
    #[arg(long)]
    force: bool,
    /// No progress lines.
    #[arg(short, long)]
    quiet: bool,
}

impl StudyArgs {
    fn options(self, overrides: Vec<Override>) -> StudyOptions {
        StudyOptions {
            replications: self.replications,
            seed: self.seed,
            threads: self.threads.map(|t| t as usize),
            out: self.out,
            force: self.force,
            overrides,
            quiet: self.quiet,
        }
    }
}

/// A delivery point.
#[derive(Clone, Copy, clap::ValueEnum)]
enum At {
    /// The final destinations.
    Destination,
    /// The handover (Incoterm) point.
    Handover,
}

fn parse_values(text: &str) -> Result<Values, String> {
    steelsim::study::params::parse_values(text)
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let (i, n) = text.split_once('/').ok_or("write the shard as I/N, e.g. 0/4")?;
    let (index, count): (u64, u64) = (
        i.trim().parse().map_err(|_| "I must be a whole number")?,
        n.trim().parse().map_err(|_| "N must be a whole number")?,
    );
    if count == 0 || index >= count {
        return Err(format!("shard {index}/{count}: I must be between 0 and N - 1"));
    }
    Ok(Shard { index, count })
}

fn parse_override(text: &str) -> Result<Override, String> {
    Override::parse(text)
}

fn parse_probability(text: &str) -> Result<f64, String> {
    let v: f64 = text.parse().map_err(|_| format!("{text} is not a number"))?;
    if v > 0.0 && v < 0.5 {
        Ok(v)
    } else {
        Err(format!("{v} must lie between 0 and 0.5 (a half-width of a probability)"))
    }
}

fn print_report(report: &app::RunReport, json: bool, quiet: bool) {
    if json {
        match serde_json::to_string_pretty(&report.summary) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("error: {e}"),
        }
        return;
    }
    if quiet {
        return;
    }
    print!("{}", steelsim::report::text::render(&report.summary));
    if let Some(p) = &report.precision {
        let verdict = if p.reached { "reached" } else { "NOT reached (stopped at --max-replications)" };
        println!("\nPrecision {verdict} after {} replications.", p.replications);
    }
    println!(
        "\n{} events in {:.2} s ({:.1} million events/s). Results in {}/",
        report.summary.events,
        report.seconds,
        report.summary.events as f64 / report.seconds.max(1e-9) / 1e6,
        report.out.display()
    );
}

/// Files whose layout `steelsim schema` describes.
#[derive(Clone, Copy, clap::ValueEnum)]
enum SchemaKind {
    /// summary.json, written by `run` and `merge`.
    Summary,
    /// Scenario files (TOML), for editor completion and checking (Taplo / Even Better TOML).
    Scenario,
}

/// `--verbose`: phase timings on stderr, so `--json` output stays clean.
fn print_performance(report: &app::RunReport) {
    let Some(p) = &report.performance else { return };
    eprintln!(
        "load {:.3} s, simulate {:.3} s, aggregate {:.3} s, write {:.3} s; {} events on {} threads, {:.1} million events/s",
        p.load_s,
        p.simulate_s,
        p.aggregate_s,
        p.write_s,
        p.events,
        p.threads,
        p.events_per_second / 1e6
    );
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = std::io::stderr().is_terminal();
    if let Err(e) = steelsim::interrupt::install_handler() {
        // Not fatal: without it Ctrl-C still stops the process and leaves earlier results
        // intact, only less tidily.
        eprintln!("warning: cannot catch Ctrl-C: {e}");
    }
    let result = match cli.command {
        Command::Run {
            scenario,
            replications,
            seed,
            out,
            threads,
            quiet,
            force,
            json,
            shard,
            precision,
            precision_days,
            max_replications,
            overrides,
            check,
            verbose,
        } => {
            let precision = precision.map(|p| PrecisionOptions { p, days: precision_days, max: max_replications });
            let opts = RunOptions {
                scenario,
                replications,
                seed,
                out,
                threads: threads.map(|t| t as usize),
                quiet,
                force,
                json,
                shard,
                precision,
                overrides,
                check,
            };
            app::run(&opts).map(|report| {
                print_report(&report, json, quiet);
                if verbose {
                    print_performance(&report);
                }
            })
        }
        Command::Merge { shards, out, force, json } => {
            app::merge(&shards, &out, force).map(|r| print_report(&r, json, false))
        }
        Command::Compare { base, variants, study, overrides, json } => {
            app::study::compare(&base, &variants, &study.options(overrides)).map(|(c, dir)| {
                if json {
                    println!("{}", serde_json::to_string_pretty(&c).unwrap_or_default());
                } else {
                    print!("{}", steelsim::report::text::comparison(&c));
                    println!("\nResults in {}/", dir.display());
                }
            })
        }
        Command::Sweep { scenario, axes, tornado, params, study } => {
            let (fixed, swept): (Vec<Values>, Vec<Values>) = axes.into_iter().partition(|a| a.values.len() == 1);
            let fixed = fixed.into_iter().map(|a| Override { path: a.path, value: a.values[0].clone() }).collect();
            let opts = study.options(fixed);
            match tornado {
                Some(pct) if swept.is_empty() => app::study::tornado(&scenario, pct, &params, &opts).map(|(t, dir)| {
                    print!("{}", steelsim::report::text::tornado(&t));
                    println!("\nResults in {}/", dir.display());
                }),
                Some(_) => Err(app::AppError::Usage(
                    "--tornado moves every parameter itself: give --set only with single values".into(),
                )),
                None if swept.is_empty() => Err(app::AppError::Usage(
                    "give a field to sweep, e.g. --set pools.wagons_1435.units=800..1600:200, or --tornado 20".into(),
                )),
                None => app::study::sweep(&scenario, &swept, &opts).map(|(points, dir)| {
                    print!("{}", steelsim::report::text::sweep(&points));
                    println!("\nResults in {}/", dir.display());
                }),
            }
        }
        Command::Plan { scenario, target, vary, at, max_replications, study, overrides } => {
            let at = match at {
                At::Destination => Point::Destination,
                At::Handover => Point::Handover,
            };
            app::study::plan(&scenario, &vary, target, at, max_replications, &study.options(overrides)).map(
                |(p, dir)| {
                    print!("{}", steelsim::report::text::plan(&p));
                    println!("\nResults in {}/", dir.display());
                },
            )
        }
        Command::Plot { dir } => app::plot(&dir).map(|names| {
            println!("Redrew {} figures in {}/figures/: {}", names.len(), dir.display(), names.join(", "));
        }),
        Command::Explain { scenario, overrides } => app::explain(&scenario, &overrides).map(|text| print!("{text}")),
        Command::Calibrate { scenario, replications, seed, threads, write, json, overrides } => {
            let threads = threads.map(|t| t as usize);
            app::calibrate(&scenario, &overrides, replications, seed, threads, write.as_deref(), json).and_then(
                |(text, outside)| {
                    print!("{text}");
                    match outside {
                        0 => Ok(()),
                        n => Err(app::AppError::Calibration(n, steelsim::study::calibrate::checks().len())),
                    }
                },
            )
        }
        Command::Schema { which } => {
            let schema = match which {
                SchemaKind::Summary => steelsim::report::summary::json_schema(),
                SchemaKind::Scenario => steelsim::scenario::json_schema::scenario_schema(),
            };
            println!("{}", serde_json::to_string_pretty(&schema).unwrap_or_default());
            Ok(())
        }
        Command::Init { path, force } => app::init(&path, force).map(|()| {
            println!("Wrote {}. Next: steelsim validate {0}; steelsim run {0}", path.display());
        }),
        Command::Validate { scenarios, overrides } => app::validate(&scenarios, &overrides, color).map(|_| ()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e.render(color));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
