//! Every command's options, declared once (clap derive). Groups shared by several commands
//! (`--set`, `--threads`, the study options) are flattened where they are used, so a flag
//! means the same and reads the same everywhere.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::experiment::Shard;
use crate::scenario::Override;

mod study;
pub(crate) use study::*;

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
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Runs replications of a scenario and writes summary.json, replications.csv and shipments.csv.
    #[command(after_help = "Example:\n  steelsim run scenarios/baseline.toml --replications 1000 --seed 7\n\n\
                            Results go to output/<scenario name>/ (or --out), replacing earlier results of the same\n\
                            scenario only once every file is complete (every file is described in docs/outputs.md).\n\n\
                            The same results as one workbook for a spreadsheet (results.xlsx), beside the others:\n  \
                            steelsim run scenarios/baseline.toml --seed 7 --xlsx\n\n\
                            Re-planning an order in flight (the status format is in docs/status.md):\n  \
                            steelsim run scenarios/baseline.toml --seed 7 --out output/plan\n  \
                            steelsim run scenarios/baseline.toml --seed 7 --status status.csv --plan output/plan\n\
                            A status to try it with: where replication 12 of a run is on 20 October:\n  \
                            steelsim run scenarios/baseline.toml -n 1 --status-at 2025-10-20 --replication 12 --out day35")]
    Run(RunArgs),
    /// Combines the folders of a sharded run into the results of the whole run.
    #[command(after_help = "Example (4 shards, e.g. a Slurm job array or a Kubernetes Indexed Job):\n  \
                            steelsim run scenarios/baseline.toml -n 10000 --shard 0/4 --out shards/0\n  \
                            ... (1/4, 2/4, 3/4 on other machines)\n  \
                            steelsim merge shards/0 shards/1 shards/2 shards/3 --out output/baseline\n\n\
                            The merged summary.json and replications.csv are byte for byte those of one run.")]
    Merge(MergeArgs),
    /// Runs several scenarios on the same random numbers and reports paired differences.
    #[command(
        after_help = "Example:\n  steelsim compare scenarios/sarakhs_backlog.toml scenarios/sarakhs_relief_tracks.toml -n 1000\n\n\
                            Every scenario runs replications 0..N with the same seeds; each component draws from its own\n\
                            stream, so the differences are due to the change, not to luck. compare.json and compare.csv give\n\
                            each difference with its paired 95 % interval and the unpaired interval it improves on.\n\n\
                            Which is best? --select goes on with the scenarios still in contention, dropping each as soon as\n\
                            another is clearly better, until one is best with 95 % confidence (when it beats the others by\n\
                            --indifference or more):\n  \
                            steelsim compare scenarios/baseline.toml scenarios/more_wagons.toml \\\n      \
                            scenarios/sarakhs_relief_tracks.toml --select destination"
    )]
    Compare(CompareArgs),
    /// Runs a scenario over values of one or more fields (or a tornado chart of many).
    #[command(
        after_help = "Examples:\n  steelsim sweep scenarios/baseline.toml --set pools.wagons_1435.units=800..1600:200\n  \
                            steelsim sweep scenarios/baseline.toml --set nodes.sarakhs.stages[0].capacity=2,3,4,5\n  \
                            steelsim sweep scenarios/baseline.toml --tornado 20\n  \
                            steelsim sweep scenarios/baseline.toml --set order.start=2025-08-01..2025-09-15:7d\n\n\
                            A --set with several values (V1,V2,... or LO..HI:STEP) is swept; with one value it is fixed.\n\
                            Every point uses the same seeds (common random numbers). Writes sweep.csv and sweep.json, or\n\
                            tornado.csv and tornado.json. A tornado chart works in rounds: a parameter stops once its\n\
                            effect is known to within a tenth of the largest (by a paired 95 % interval), the others\n\
                            run to -n; it says up front how long it may take."
    )]
    Sweep(SweepArgs),
    /// Finds the smallest value of a resource (or the latest start date) that makes the on-time probability (or the contract's) reach a target.
    #[command(after_help = "Example:\n  steelsim plan scenarios/baseline.toml --target 0.95 --at handover \\\n      \
                            --vary pools.wagons_1435.units=800..2000:100\n\
                            The fewest wagons that meet every call-off of the contract at 95 %:\n  \
                            steelsim plan scenarios/baseline.toml --target 0.95 --at calloffs \\\n      \
                            --vary pools.wagons_1435.units=400..1000:50\n\
                            The latest start that still delivers everything on time at 90 % (dates: the latest value):\n  \
                            steelsim plan scenarios/baseline.toml --target 0.9 --at destination \\\n      \
                            --vary order.start=2025-07-01..2025-09-15:7d\n\n\
                            The search halves the range (every integer of LO..HI, or LO..HI:STEP, or V1,V2,...); at each\n\
                            value it tries, replications run in doubling batches (from -n up to --max-replications) until a\n\
                            Wilson interval lies at or above the target or below it, at a level that keeps the chance of a\n\
                            wrong answer under 5 %. The answer reaches the target and the value one step below falls short;\n\
                            when the lowest value already reaches it, when no value does, or when a value is too close to\n\
                            the target to tell, plan says so. Writes plan.json and report.html.")]
    Plan(PlanArgs),
    /// Writes the per-lot trace of one replication of a results folder (re-run from its scenario and seed).
    #[command(after_help = "Example:\n  steelsim run scenarios/baseline.toml --seed 7 --out output/baseline\n  \
                            steelsim trace output/baseline 253\n\n\
                            Re-runs replication 253 from the folder's scenario.toml, seed (run.json) and shipment status\n\
                            (start_status.csv, if the run had one), and writes its shipments.csv and events.csv (the\n\
                            disruptions and breakdowns that hit it) to output/<scenario>-trace-253/ (or --out), byte for byte\n\
                            what `run --trace 253` would have written, with timeline.svg and .png: each lot through its route\n\
                            over the dates. Why was it late? Look there.")]
    Trace(TraceArgs),
    /// Serves a page on this machine where you change a capacity and see the promise change.
    #[command(after_help = "Example:\n  steelsim serve scenarios/baseline.toml --open\n\n\
                            Serves http://127.0.0.1:8787/ (another address only with --bind): the scenario's key\n\
                            parameters as inputs; each change runs the replications again, on the same random numbers as\n\
                            the unchanged scenario, and shows P(on time) at both delivery points with intervals, the promise\n\
                            dates, both completion curves, the paired difference and the busiest resource. The address holds\n\
                            the what-if, so it can be shared; \"Download scenario\" gives the TOML that `steelsim run`\n\
                            reproduces the page's numbers from. The JSON API behind the page is in docs/api.md.\n\
                            Ctrl-C stops the server.")]
    Serve(ServeArgs),
    /// Redraws the figures (and report.html) of a results folder from its CSV and JSON files.
    #[command(after_help = "Example:\n  steelsim plot output/baseline\n\n\
                            Works on the folders of run, merge, compare, sweep and sweep --tornado. Nothing is re-run:\n\
                            the figures are drawn from the data files, byte for byte as when the results were made.")]
    Plot {
        /// A results folder.
        dir: PathBuf,
    },
    /// Prints the network as tables and its theoretical bottleneck, from the scenario's own figures.
    #[command(after_help = "Example:\n  steelsim explain scenarios/baseline.toml\n  \
                            steelsim run scenarios/baseline.toml --out out/b && steelsim explain scenarios/baseline.toml --results out/b\n\n\
                            For every resource the order uses (servers, carrier pools, mills, yards): what the order\n\
                            and other traffic need of it over the order's window against what it has, with calendars,\n\
                            breakdowns and disruptions averaged over the window. The resource with the highest load is\n\
                            the theoretical bottleneck. Nothing is simulated and queues are left out: this is the\n\
                            ceiling the simulation can only fall short of. With --results, each resource's simulated\n\
                            utilisation is shown next to its load.")]
    Explain {
        /// The scenario file.
        scenario: PathBuf,
        /// A results folder of the same scenario (from `steelsim run --out DIR`): shows the
        /// simulated utilisation next to each load.
        #[arg(long, value_name = "DIR")]
        results: Option<PathBuf>,
        #[command(flatten)]
        set: SetArgs,
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
    /// Checks the simulated network against what is known of the real one (transit times,
    /// Sarakhs throughput, background flow) and prints the table.
    #[command(
        after_help = "Example:\n  steelsim calibrate scenarios/baseline.toml -n 200 --seed 7 --write scenarios/README.md\n\n\
                            Each measure is computed per replication (a median over its lots, or a count up to the\n\
                            deadline) and averaged, with a 95 % interval; a check passes when the whole interval lies\n\
                            in its band. The targets are a file (scenarios/calibration/targets.toml for the baseline:\n\
                            each check's figure, source, band and reasoning), found beside the scenario or given with\n\
                            --targets; its checks use the baseline's names (tm_rail, sarakhs.interchange, ...).\n\n\
                            Exit codes: 0 every check within its band, 3 some outside (the table says which),\n\
                            2 bad input, 1 simulation failure."
    )]
    Calibrate(CalibrateArgs),
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
        #[command(flatten)]
        set: SetArgs,
    },
}

/// `--set PATH=VALUE`, for every command that reads a scenario.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct SetArgs {
    /// Override a scenario field first, e.g. --set pools.wagons_1520.units=400 (repeatable; with
    /// several scenarios, in each of them).
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_override)]
    pub(crate) overrides: Vec<Override>,
}

/// `--threads`.
#[derive(Args, Clone, Copy, Debug, Default)]
pub(crate) struct ThreadArgs {
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(short = 'j', long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
}

impl ThreadArgs {
    pub(crate) fn get(self) -> Option<usize> {
        self.threads.and_then(|t| usize::try_from(t).ok())
    }
}

/// `steelsim run`.
#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    /// The scenario file (TOML).
    pub(crate) scenario: PathBuf,
    /// Number of replications.
    #[arg(short = 'n', long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub(crate) replications: u64,
    /// Master seed: the same scenario and seed give byte-identical results.
    #[arg(short, long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Output folder [default: output/<scenario name>].
    #[arg(short, long)]
    pub(crate) out: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) threads: ThreadArgs,
    /// No progress bar and no summary on the terminal.
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Replace results of a different scenario in the output folder.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print summary.json to stdout and nothing else (for scripts and harnesses).
    #[arg(long)]
    pub(crate) json: bool,
    /// Run only replications I, I+N, I+2N, ... (for a cluster job array); combine with `steelsim merge`.
    /// `auto` takes I and N from Slurm, Kubernetes, AWS Batch or GNU parallel (see docs/cluster.md).
    #[arg(long, value_name = "I/N|auto", value_parser = parse_shard)]
    pub(crate) shard: Option<Shard>,
    /// Keep adding batches of --replications until the 95 % interval of P(on time) is at most
    /// +/- this wide (at both delivery points), and the 95 % promise date +/- --precision-days.
    /// The interval of P(on time) is the control-variate one where the run gives it (the
    /// "with control variates" row), else Wilson's.
    #[arg(long, value_name = "HALF_WIDTH", value_parser = parse_probability)]
    pub(crate) precision: Option<f64>,
    /// With --precision: the largest half-width, in days, of the 95 % promise date's interval.
    #[arg(long, value_name = "DAYS", default_value_t = 1.0, requires = "precision", value_parser = parse_days)]
    pub(crate) precision_days: f64,
    /// With --precision: stop at this many replications even if not precise enough.
    #[arg(long, value_name = "N", default_value_t = 100_000, requires = "precision",
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub(crate) max_replications: u64,
    #[command(flatten)]
    pub(crate) set: SetArgs,
    /// Check every invariant after every event (clock, capacities, yards, route order,
    /// tonnes conserved); slower, results unchanged. A broken invariant stops the run (exit 1).
    #[arg(long)]
    pub(crate) check: bool,
    /// Print where the time went (load, simulate, aggregate, write) and events per second
    /// to stderr; they are also in run.json.
    #[arg(short, long)]
    pub(crate) verbose: bool,
    /// Replications whose per-lot trace goes into shipments.csv (and whose disruptions and
    /// breakdowns into events.csv), e.g. `--trace 0,253` (`steelsim trace DIR N` writes one
    /// later, from a results folder).
    #[arg(long, value_name = "N[,M...]", value_delimiter = ',', default_value = "0")]
    pub(crate) trace: Vec<u64>,
    /// Start from a shipment status instead of the order's start: a CSV table of where every
    /// tonne is on a date (see docs/status.md). It is copied into the results as start_status.csv.
    #[arg(long, value_name = "FILE")]
    pub(crate) status: Option<PathBuf>,
    /// Also write status.csv: where every tonne of one replication (--replication) is at this
    /// date (2025-10-15, or 2025-10-15T08:00), in the format --status reads.
    #[arg(long, value_name = "DATE")]
    pub(crate) status_at: Option<String>,
    /// The replication --status-at writes down.
    #[arg(long, value_name = "K", default_value_t = 0, requires = "status_at")]
    pub(crate) replication: u64,
    /// With --status: the results folder of the run made before (the plan), to set the new
    /// promise beside its promise.
    #[arg(long, value_name = "DIR", requires = "status")]
    pub(crate) plan: Option<PathBuf>,
    /// Also write results.xlsx: the summary, promises, guarantees, stages, call-offs and every
    /// replication in one workbook (at most 1,048,575 replications, a worksheet's limit).
    #[arg(long, conflicts_with = "shard")]
    pub(crate) xlsx: bool,
}

/// `steelsim serve`.
#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// The scenario every what-if starts from.
    pub(crate) scenario: PathBuf,
    /// Port to listen on (0: any free port; the first line printed names it).
    #[arg(short, long, default_value_t = 8787)]
    pub(crate) port: u16,
    /// Address to listen on. Anything but 127.0.0.1 lets other machines run simulations here.
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) bind: std::net::IpAddr,
    /// Open the page in the desktop's browser.
    #[arg(long)]
    pub(crate) open: bool,
    /// Most replications one request may ask for.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub(crate) max_replications: u64,
    #[command(flatten)]
    pub(crate) threads: ThreadArgs,
}

/// `steelsim trace`.
#[derive(Args, Debug)]
pub(crate) struct TraceArgs {
    /// A results folder of `steelsim run` (or `merge`).
    pub(crate) dir: PathBuf,
    /// The replication to trace.
    pub(crate) replication: u64,
    /// Output folder [default: output/<scenario name>-trace-<replication>].
    #[arg(short, long)]
    pub(crate) out: Option<PathBuf>,
    /// Replace results of a different scenario in the output folder.
    #[arg(long)]
    pub(crate) force: bool,
}

/// `steelsim merge`.
#[derive(Args, Debug)]
pub(crate) struct MergeArgs {
    /// Shard folders, one per shard.
    #[arg(required = true)]
    pub(crate) shards: Vec<PathBuf>,
    /// Where to write the merged results.
    #[arg(short, long)]
    pub(crate) out: PathBuf,
    /// Replace results of a different scenario in the output folder.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print the merged summary.json to stdout and nothing else.
    #[arg(long)]
    pub(crate) json: bool,
    /// No summary on the terminal.
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Also write results.xlsx (see `steelsim help run`).
    #[arg(long)]
    pub(crate) xlsx: bool,
}

/// `steelsim calibrate`.
#[derive(Args, Debug)]
pub(crate) struct CalibrateArgs {
    /// The scenario file.
    pub(crate) scenario: PathBuf,
    /// Number of replications.
    #[arg(short = 'n', long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    pub(crate) replications: u64,
    /// Master seed.
    #[arg(short, long, default_value_t = 1)]
    pub(crate) seed: u64,
    #[command(flatten)]
    pub(crate) threads: ThreadArgs,
    /// Also put the table into FILE, between its lines <!-- calibration:begin --> and <!-- calibration:end -->.
    #[arg(long, value_name = "FILE")]
    pub(crate) write: Option<PathBuf>,
    /// Print the outcomes as JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
    /// The calibration targets [default: calibration/targets.toml beside the scenario].
    #[arg(long, value_name = "FILE")]
    pub(crate) targets: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) set: SetArgs,
}

/// Files whose layout `steelsim schema` describes.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum SchemaKind {
    /// summary.json, written by `run` and `merge`.
    Summary,
    /// Scenario files (TOML), for editor completion and checking (Taplo / Even Better TOML).
    Scenario,
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    if text.trim() == "auto" {
        return shard_from_env(|k| std::env::var(k).ok());
    }
    let (i, n) = text.split_once('/').ok_or("write the shard as I/N, e.g. 0/4, or `auto` on a cluster")?;
    let (index, count): (u64, u64) = (
        i.trim().parse().map_err(|_| "I must be a whole number")?,
        n.trim().parse().map_err(|_| "N must be a whole number")?,
    );
    if count == 0 || index >= count {
        return Err(format!("shard {index}/{count}: I must be between 0 and N - 1"));
    }
    Ok(Shard { index, count })
}

/// `--shard auto`: this task's index and the number of tasks, from the scheduler that
/// started it. Slurm job arrays give both (`SLURM_ARRAY_TASK_ID` less `SLURM_ARRAY_TASK_MIN`,
/// and `SLURM_ARRAY_TASK_COUNT`); Kubernetes Indexed Jobs (`JOB_COMPLETION_INDEX`), AWS Batch
/// array jobs (`AWS_BATCH_JOB_ARRAY_INDEX`) and GNU parallel (`PARALLEL_SEQ`, from 1) give
/// the index only, so the count comes from `STEELSIM_SHARD_COUNT`, which also overrides
/// Slurm's.
fn shard_from_env(env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
    let number = |name: &str| -> Result<Option<u64>, String> {
        match env(name) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| format!("{name}={v} is not a whole number")),
        }
    };
    let (index, scheduler) = if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
        let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let index =
            id.checked_sub(min).ok_or(format!("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}"))?;
        (index, "Slurm")
    } else if let Some(i) = number("JOB_COMPLETION_INDEX")? {
        (i, "a Kubernetes Indexed Job")
    } else if let Some(i) = number("AWS_BATCH_JOB_ARRAY_INDEX")? {
        (i, "an AWS Batch array job")
    } else if let Some(seq) = number("PARALLEL_SEQ")? {
        (seq.checked_sub(1).ok_or("PARALLEL_SEQ counts from 1")?, "GNU parallel")
    } else {
        return Err("--shard auto found no task index: set by Slurm job arrays (SLURM_ARRAY_TASK_ID), \
                    Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX), AWS Batch (AWS_BATCH_JOB_ARRAY_INDEX) \
                    or GNU parallel (PARALLEL_SEQ); elsewhere write --shard I/N"
            .into());
    };
    let count = match (number("STEELSIM_SHARD_COUNT")?, scheduler) {
        (Some(n), _) => n,
        (None, "Slurm") => number("SLURM_ARRAY_TASK_COUNT")?.ok_or("Slurm did not set SLURM_ARRAY_TASK_COUNT")?,
        (None, _) => {
            return Err(format!(
                "{scheduler} gives the task's index but not the number of tasks: set STEELSIM_SHARD_COUNT"
            ));
        }
    };
    if count == 0 || index >= count {
        return Err(format!("shard {index}/{count} from {scheduler}: the index must be between 0 and the count - 1"));
    }
    Ok(Shard { index, count })
}

fn parse_override(text: &str) -> Result<Override, String> {
    Override::parse(text).map_err(|e| e.to_string())
}

fn parse_days(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        Ok(v) => Err(format!("{v} must be a number of days greater than zero")),
        Err(_) => Err(format!("{text} is not a number")),
    }
}

fn parse_probability(text: &str) -> Result<f64, String> {
    let v: f64 = text.parse().map_err(|_| format!("{text} is not a number"))?;
    if v > 0.0 && v < 0.5 {
        Ok(v)
    } else {
        Err(format!("{v} must lie between 0 and 0.5 (a half-width of a probability)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<Shard, String> {
        shard_from_env(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn shard_auto_reads_the_schedulers_index_and_count() {
        let shard = |i, n| Ok(Shard { index: i, count: n });
        // Slurm: an array 1-16 is shards 0..16.
        assert_eq!(
            from(&[("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "16")]),
            shard(4, 16)
        );
        assert_eq!(from(&[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "4")]), shard(3, 4));
        assert_eq!(from(&[("JOB_COMPLETION_INDEX", "0"), ("STEELSIM_SHARD_COUNT", "16")]), shard(0, 16));
        assert_eq!(from(&[("AWS_BATCH_JOB_ARRAY_INDEX", "7"), ("STEELSIM_SHARD_COUNT", "8")]), shard(7, 8));
        assert_eq!(from(&[("PARALLEL_SEQ", "1"), ("STEELSIM_SHARD_COUNT", "2")]), shard(0, 2));
        for (vars, says) in [
            (&[][..], "found no task index"),
            (&[("JOB_COMPLETION_INDEX", "2")][..], "set STEELSIM_SHARD_COUNT"),
            (&[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "4")][..], "not a whole number"),
            (&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "4")][..], "between 0 and the count - 1"),
            (
                &[("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")][..],
                "below",
            ),
            (&[("PARALLEL_SEQ", "0"), ("STEELSIM_SHARD_COUNT", "2")][..], "counts from 1"),
        ] {
            let e = from(vars).unwrap_err();
            assert!(e.contains(says), "{vars:?}: {e}");
        }
    }
}
