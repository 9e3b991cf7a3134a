use std::process::ExitCode;

fn main() -> ExitCode {
    roster::cli::main()
}
