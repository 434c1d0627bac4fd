//! The `steelsim` command: everything lives in the library ([`steelsim::cli`]).

fn main() -> std::process::ExitCode {
    steelsim::cli::main()
}
