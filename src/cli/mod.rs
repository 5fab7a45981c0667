//! The command line: clap commands over the core, plain or `--json` output. No business
//! rules here: every rule lives in `keys` or `inventory`, so the app and the CLI agree.

mod agent;
mod cloud;
mod commands;
mod doctor;
pub mod install;
mod inventory_file;
pub mod known_hosts;
mod output;
mod remote;
mod report;
mod scan;
mod ssh_config;

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use commands::run_command;
pub use inventory_file::{ExportArgs, ImportInventoryArgs};
pub use scan::ScanArgs;

/// Keyshelf: a local inventory of SSH key pairs for all your cloud accounts.
#[derive(Parser, Debug)]
#[command(name = "keyshelf", version, about, long_about = None)]
pub struct Cli {
    /// Inventory file to use (default: $KEYSHELF_DB, else the user's data folder)
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Cloud accounts (Alibaba Cloud, AWS, Tencent Cloud, TWCC, ...)
    #[command(subcommand)]
    Account(AccountCommand),
    /// A cloud account's key pairs: check, regions, status, pull, push, delete
    #[command(subcommand)]
    Cloud(cloud::CloudCommand),
    /// Key pairs: create, import, list, show, edit, delete, export, bind
    #[command(subcommand)]
    Key(KeyCommand),
    /// Hosts (servers, instances) that key pairs are bound to
    #[command(subcommand)]
    Host(HostCommand),
    /// Clean stale known_hosts lines after a server's key changed
    #[command(subcommand, name = "known-hosts")]
    KnownHosts(known_hosts::KnownHostsCommand),
    /// Find the keys of an SSH folder (~/.ssh) and import them
    Scan(ScanArgs),
    /// The ssh-agent of SSH_AUTH_SOCK: add a key pair's key, list what it holds, remove
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Log in to a host with its bound key pair, through your own ssh
    Connect(ConnectArgs),
    /// A managed ssh config: `ssh HOST` uses exactly the key pair bound to it
    #[command(subcommand, name = "ssh-config")]
    SshConfig(ssh_config::SshConfigCommand),
    /// Write the whole inventory as one JSON document (a backup, or to move machines)
    Export(ExportArgs),
    /// Merge a document written by `keyshelf export` into this inventory
    #[command(name = "import-inventory")]
    ImportInventory(ImportInventoryArgs),
    /// Desktop integration
    #[command(subcommand)]
    Desktop(DesktopCommand),
    /// What needs attention: weak, old or shared keys, rotations due, private key files
    /// gone or readable by others, unused key pairs, failed login checks
    Report {
        /// Print an array of findings
        #[arg(long)]
        json: bool,
    },
    /// What works on this machine: ssh tools, agent, inventory, ssh config, AWS profiles, launcher
    ///
    /// Each check says what was found and, when something is wrong, one line to fix it.
    /// It exits 0 whatever it finds, unless the inventory cannot be read (then 1).
    Doctor {
        /// Print an array of objects with `name`, `ok`, `detail` and `fix` (null when ok)
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    ///
    /// The Debian package installs them for bash, zsh and fish. Otherwise, for you alone:
    ///
    /// bash: keyshelf completions bash > ~/.local/share/bash-completion/completions/keyshelf
    ///
    /// zsh: keyshelf completions zsh > ~/.zfunc/_keyshelf (and `fpath+=~/.zfunc` before
    /// `compinit` in ~/.zshrc)
    ///
    /// fish: keyshelf completions fish > ~/.config/fish/completions/keyshelf.fish
    Completions(install::CompletionsArgs),
    /// Print the man page, or write every page (one per subcommand) into a folder
    Man(install::ManArgs),
    /// The log of every change, newest first
    Activity {
        /// Only entries mentioning this text
        #[arg(long)]
        filter: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AgentCommand {
    /// Add a key pair's private key file to the agent (ssh-add asks for its passphrase)
    Add {
        key: String,
        #[command(flatten)]
        scope: ScopeArgs,
        /// Forget it after this long: seconds, or 90s, 30m, 1h, 2d, 1w (as ssh-add -t)
        #[arg(long, value_name = "DURATION")]
        lifetime: Option<String>,
        /// The agent asks before each use of the key (ssh-add -c)
        #[arg(long)]
        confirm: bool,
    },
    /// List the keys the agent holds and the key pairs they are
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a key pair's key from the agent, or every key with --all
    Rm {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        key: Option<String>,
        #[command(flatten)]
        scope: ScopeArgs,
        #[arg(long)]
        all: bool,
    },
}

#[derive(Args, Debug)]
pub struct ConnectArgs {
    pub host: String,
    /// Log in with this key pair instead of the host's first bound one
    #[arg(long)]
    pub key: Option<String>,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// When no bound key pair has a private key file, let ssh use your own setup (agent, config)
    #[arg(long, conflicts_with = "key")]
    pub any_key: bool,
    /// Print the ssh command instead of running it (--json: its argv too)
    #[arg(long)]
    pub print: bool,
    #[arg(long, requires = "print")]
    pub json: bool,
    /// Open it in a new terminal window ($TERMINAL, else the desktop's)
    #[arg(long, conflicts_with = "print")]
    pub terminal: bool,
    /// After `--`: ssh options, then the remote command
    #[arg(last = true, value_name = "SSH ARGS")]
    pub ssh_args: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum DesktopCommand {
    /// Add Keyshelf to the desktop's launcher (~/.local/share/applications and icons)
    Install,
}

#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// Add a cloud account
    Add {
        name: String,
        /// alibaba, aws, tencent, twcc, apiculus, digitalocean, hetzner, openstack or other
        #[arg(long)]
        provider: String,
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        cloud: AccountCloudArgs,
    },
    /// Change an account's name, note, profile, default region or endpoint
    Edit {
        name: String,
        /// A new name
        #[arg(long = "name", value_name = "NEW_NAME")]
        new_name: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        cloud: AccountCloudArgs,
    },
    /// List accounts
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove an account that has no key pairs or hosts
    Rm { name: String },
}

/// Where an account's cloud is reached. Only names are stored, never a credential.
#[derive(Args, Debug, Clone, Default)]
pub struct AccountCloudArgs {
    /// The provider CLI's profile with its credentials (AWS: ~/.aws); "" clears it
    #[arg(long)]
    pub profile: Option<String>,
    /// The region cloud commands use when none is named; "" clears it
    #[arg(long)]
    pub region: Option<String>,
    /// The API endpoint (a private deployment, a proxy, an emulator); "" clears it
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
}

impl AccountCloudArgs {
    fn any(&self) -> bool {
        self.profile.is_some() || self.region.is_some() || self.endpoint.is_some()
    }
}

/// Narrows a key pair reference when its name exists in several accounts or regions.
#[derive(Args, Debug, Clone, Default)]
pub struct ScopeArgs {
    #[arg(long)]
    pub account: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Generate a key pair and save its private key (the only copy) to --out
    Create(CreateArgs),
    /// Import a public key (or the public half of a private key file)
    Import(ImportArgs),
    /// List key pairs
    List {
        #[command(flatten)]
        scope: ScopeArgs,
        /// Match name, comment, description, tags or any fingerprint form
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one key pair (KEY: name, id, or any fingerprint form)
    Show {
        key: String,
        #[command(flatten)]
        scope: ScopeArgs,
        #[arg(long)]
        json: bool,
    },
    /// Rename, describe, tag, give an owner or a rotate-by date to a key pair
    Edit {
        key: String,
        #[command(flatten)]
        scope: ScopeArgs,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Set a tag KEY=VALUE (repeatable)
        #[arg(long = "tag", value_name = "K=V")]
        tags: Vec<String>,
        /// Remove a tag (repeatable)
        #[arg(long = "untag", value_name = "K")]
        untags: Vec<String>,
        /// Who answers for it (an empty value removes it)
        #[arg(long, value_name = "O")]
        owner: Option<String>,
        /// The date to rotate it by, YYYY-MM-DD
        #[arg(long, value_name = "DATE", conflicts_with_all = ["rotate_in", "no_rotate_by"])]
        rotate_by: Option<String>,
        /// Rotate it within this many days from today, such as 90d
        #[arg(long, value_name = "DAYSd", conflicts_with = "no_rotate_by")]
        rotate_in: Option<String>,
        /// Remove its rotate-by date
        #[arg(long)]
        no_rotate_by: bool,
        /// Move it to this account (an empty value: to no account), checked as a new key
        /// pair there (its name free, the account's quota)
        #[arg(long, value_name = "ACCOUNT")]
        to_account: Option<String>,
        /// Move it to this region (an empty value: to no region); with --to-account or alone
        #[arg(long, value_name = "REGION")]
        to_region: Option<String>,
    },
    /// Delete key pairs (refused while bound to a host, unless --unbind, or while a cloud
    /// account holds them, unless --keep-in-cloud)
    Rm {
        #[arg(required = true)]
        keys: Vec<String>,
        #[command(flatten)]
        scope: ScopeArgs,
        /// Unbind from every host first, then delete
        #[arg(long)]
        unbind: bool,
        /// Delete it here although a cloud account still holds it
        #[arg(long)]
        keep_in_cloud: bool,
    },
    /// Save a copy of a key pair's private key file in another format (OpenSSH, PKCS#8, PKCS#1, PuTTY PPK)
    Convert(ConvertArgs),
    /// Print or save the public key
    Export {
        key: String,
        #[command(flatten)]
        scope: ScopeArgs,
        /// openssh, rfc4716 or pkcs8
        #[arg(long, default_value = "openssh")]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace --out if it exists
        #[arg(long)]
        force: bool,
    },
    /// Put a key pair on servers: add it to each host's authorized_keys, bind it, prove a login
    Deploy(KeyOnHosts),
    /// Take a key pair off servers: remove its lines from each host's authorized_keys, unbind it
    Undeploy {
        #[command(flatten)]
        on: KeyOnHosts,
        /// Remove it even when Keyshelf is logged in with it and no other login was proved
        #[arg(long)]
        force: bool,
    },
    /// Replace a key pair by another on every host it is bound to (new key proved first)
    Rotate {
        old: String,
        #[arg(long = "to", value_name = "NEW")]
        to: String,
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        remote: RemoteArgs,
        /// Delete the old key pair from the inventory once every host moved
        #[arg(long)]
        delete_old: bool,
    },
    /// Bind a key pair to hosts in the inventory only (see `key deploy` to put it on them)
    Bind {
        key: String,
        #[arg(required = true)]
        hosts: Vec<String>,
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// Unbind a key pair from hosts
    Unbind {
        key: String,
        #[arg(required = true)]
        hosts: Vec<String>,
        #[command(flatten)]
        scope: ScopeArgs,
    },
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    pub name: String,
    /// Where to save the private key (mode 0600); FILE.pub gets the public key
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// ed25519, ecdsa or rsa
    #[arg(long = "type", default_value = "ed25519")]
    pub key_type: String,
    /// RSA: 2048, 3072 (default) or 4096; ECDSA: 256 (default), 384 or 521
    #[arg(long)]
    pub bits: Option<u32>,
    /// openssh, pkcs8, pkcs1 or ppk (PuTTY)
    #[arg(long, default_value = "openssh")]
    pub format: String,
    /// A file whose first line is the passphrase (OpenSSH and PPK formats only)
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
    /// Defaults to the key pair's name
    #[arg(long)]
    pub comment: Option<String>,
    #[arg(long)]
    pub account: Option<String>,
    #[arg(long, default_value = "")]
    pub region: String,
    #[arg(long, default_value = "")]
    pub description: String,
    #[arg(long = "tag", value_name = "K=V")]
    pub tags: Vec<String>,
    /// Replace --out (and FILE.pub) if they exist
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The key pair (name, id or fingerprint) whose private key file is read
    pub key: String,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// The new file (mode 0600); never replaces an existing file
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// openssh, pkcs8, pkcs1 or ppk (PuTTY)
    #[arg(long)]
    pub format: String,
    /// A file whose first line opens the private key file, if it has a passphrase
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
    /// A file whose first line protects the new file (openssh and ppk only)
    #[arg(long, value_name = "F")]
    pub new_passphrase_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Name for the key pair (not with --all)
    pub name: Option<String>,
    #[arg(long, value_name = "F")]
    pub file: Option<PathBuf>,
    /// Read the key from standard input
    #[arg(long)]
    pub stdin: bool,
    /// Import every key of an authorized_keys-style file
    #[arg(long)]
    pub all: bool,
    /// With --all: name keys PREFIX1, PREFIX2, ... instead of after their comments
    #[arg(long, value_name = "P")]
    pub name_prefix: Option<String>,
    /// With --all: import the valid lines and report the others
    #[arg(long)]
    pub skip_invalid: bool,
    #[arg(long)]
    pub account: Option<String>,
    #[arg(long, default_value = "")]
    pub region: String,
    #[arg(long, default_value = "")]
    pub description: String,
    #[arg(long = "tag", value_name = "K=V")]
    pub tags: Vec<String>,
}

/// A key pair and the hosts to work on (`key deploy`, `key undeploy`).
#[derive(Args, Debug)]
pub struct KeyOnHosts {
    pub key: String,
    #[arg(required = true)]
    pub hosts: Vec<String>,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// How to reach servers (the SSH commands).
#[derive(Args, Debug, Clone, Default)]
pub struct RemoteArgs {
    /// Log in with this private key file to manage the hosts
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// Accept the key of a host seen for the first time (StrictHostKeyChecking=accept-new)
    #[arg(long)]
    pub accept_new: bool,
    /// Print one JSON object per host
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum HostCommand {
    /// Add a host
    Add {
        name: String,
        /// A DNS name or IP address (repeatable)
        #[arg(long = "address", required = true)]
        addresses: Vec<String>,
        #[arg(long, default_value_t = 22)]
        port: u16,
        #[arg(long, default_value = "")]
        user: String,
        #[arg(long)]
        account: Option<String>,
        #[arg(long, default_value = "")]
        region: String,
        /// Its authorized_keys file, relative to the login user's home or absolute
        #[arg(long, value_name = "PATH", default_value = ".ssh/authorized_keys")]
        authorized_keys: String,
    },
    /// Change a host's details (what is not given stays)
    Edit {
        name: String,
        /// A new name
        #[arg(long = "name", value_name = "NEW")]
        new_name: Option<String>,
        /// Replaces every address (repeatable)
        #[arg(long = "address")]
        addresses: Vec<String>,
        #[arg(long)]
        port: Option<u16>,
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        region: Option<String>,
        #[arg(long, value_name = "PATH")]
        authorized_keys: Option<String>,
    },
    /// List hosts and the key pairs bound to each
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a host
    Rm { name: String },
    /// Log in to hosts with each bound key pair alone and remember the result
    Check {
        #[arg(required = true)]
        hosts: Vec<String>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// List every key in a host's authorized_keys and the key pair it is
    Audit {
        host: String,
        /// Add the keys the inventory does not know
        #[arg(long)]
        import: bool,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Add the hosts of your ssh config (every concrete Host alias, as `ssh -G` resolves it)
    ImportSshConfig {
        /// The ssh config to read (default: ~/.ssh/config)
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
        /// Print one JSON object per alias
        #[arg(long)]
        json: bool,
    },
    /// Make KEY the only key pair of HOST: deploy it, prove it, then remove the old ones
    ResetKey {
        host: String,
        key: String,
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        remote: RemoteArgs,
    },
}

/// Runs the CLI with the given arguments and streams; returns the process exit code.
/// Errors go to `err` in one line; nothing panics on user input.
pub fn main_with(args: Vec<std::ffi::OsString>, input: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let text = e.render().to_string();
            if e.use_stderr() {
                let _ = write!(err, "{text}");
            } else {
                let _ = write!(out, "{text}");
            }
            return code;
        }
    };
    let Some(command) = cli.command else {
        #[cfg(feature = "gui")]
        return crate::ui::run(cli.db);
        #[cfg(not(feature = "gui"))]
        {
            let _ =
                writeln!(err, "keyshelf: this build has no app (built without the `gui` feature); see keyshelf --help");
            return 2;
        }
    };
    match run_command(cli.db, command, input, out) {
        Ok(()) => 0,
        Err(e) => {
            // The core says what can be done; the command line says how, with its flags.
            use crate::secure_file::SecureFileError::Exists;
            let hint = match &e {
                commands::CliError::Key(crate::keys::KeyError::Write(Exists(_)))
                | commands::CliError::File(Exists(_)) => " (--force replaces it)",
                _ => "",
            };
            let _ = writeln!(err, "keyshelf: {e}{hint}");
            1
        }
    }
}
