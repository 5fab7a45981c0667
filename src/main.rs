//! The `keyshelf` binary: with a command it is the CLI, without one it opens the app.

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Started by ssh as the app's SSH_ASKPASS: ask the app, print the answer.
    #[cfg(unix)]
    if keyshelf::remote::askpass::is_helper() && args.len() == 2 {
        let prompt = args[1].to_string_lossy();
        std::process::exit(keyshelf::remote::askpass::helper_main(&prompt));
    }
    let code = keyshelf::cli::main_with(args, &mut std::io::stdin(), &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
