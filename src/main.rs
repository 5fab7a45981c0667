//! The `keyshelf` binary: with a command it is the CLI, without one it opens the app.

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let code = keyshelf::cli::main_with(args, &mut std::io::stdin(), &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
