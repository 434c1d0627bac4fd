//! The `steelsim` command line: parses arguments, calls the library, maps errors to exit
//! codes (0 ok, 1 simulation failure, 2 bad input). No logic lives here.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use steelsim::app::{self, RunOptions};

#[derive(Parser)]
#[command(
    name = "steelsim",
    version,
    about = "Discrete-event simulation of a steel order's journey from mills to customers",
    long_about = "steelsim replays a steel order through its network of mills, yards, ports, rail and road legs, \
                  borders and customs, thousands of times with different random draws, and reports how likely \
                  the order is to arrive in full and on time, what can be promised at 90/95/99 % confidence, \
                  and where it gets stuck.",
    after_help = "Exit codes: 0 success, 1 simulation failure, 2 bad input (scenario, options or output folder).\n\
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
    },
    /// Checks scenario files without running them; reports every problem with file:line:col.
    #[command(after_help = "Example:\n  steelsim validate scenarios/*.toml")]
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = std::io::stderr().is_terminal();
    let result = match cli.command {
        Command::Run { scenario, replications, seed, out, threads, quiet, force, json } => {
            let opts = RunOptions {
                scenario,
                replications,
                seed,
                out,
                threads: threads.map(|t| t as usize),
                quiet,
                force,
                json,
            };
            app::run(&opts).map(|report| {
                if json {
                    match serde_json::to_string_pretty(&report.summary) {
                        Ok(text) => println!("{text}"),
                        Err(e) => eprintln!("error: {e}"),
                    }
                } else if !quiet {
                    print!("{}", steelsim::report::text::render(&report.summary));
                    println!(
                        "\n{} events in {:.2} s. Results in {}/ (summary.json, replications.csv, shipments.csv)",
                        report.summary.events,
                        report.seconds,
                        report.out.display()
                    );
                }
            })
        }
        Command::Validate { scenarios } => app::validate(&scenarios, color).map(|_| ()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e.render(color));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
