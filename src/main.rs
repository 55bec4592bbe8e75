//! Entry point: parse the command line and run the console, the demo, the simulator, or a
//! headless command. Configuration is loaded and checked before the terminal is touched.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = flightdeck::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("flightdeck: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(flightdeck::cli::main(cli))
}
