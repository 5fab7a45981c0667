//! What views can ask the app to do. Views only emit these; the app applies them
//! through the core (see `command_handling.rs`). In its own file so that views do not
//! depend on `app.rs`.

use std::path::PathBuf;

use crate::inventory::{KeyEdit, NewHost, Provider};
use crate::ui::keys::create::CreateRequest;
use crate::ui::keys::import::ImportRequest;
use crate::ui::model::{ScopeSel, SortColumn};
use crate::ui::remote::remote_run::RemoteAction;

/// The main area's content, chosen in the sidebar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Keys,
    Hosts,
    KnownHosts,
    Activity,
    Settings,
    Report,
    /// The cloud page of the account `CloudState` names.
    Cloud,
}

/// Everything a view can ask the app to do.
#[derive(Debug, Clone)]
pub enum Command {
    ShowView(View),
    SelectScope(ScopeSel),
    Sort(SortColumn),
    SelectKey {
        id: i64,
        toggle: bool,
        range: bool,
    },
    SelectAll,
    /// Unselects every key pair (and so closes the details).
    ClearSelection,
    OpenCreate,
    OpenImport(Vec<PathBuf>),
    PickImportFiles,
    OpenDelete(Vec<i64>),
    OpenBind(i64),
    OpenAccount(Option<String>),
    OpenHost(Option<String>),
    OpenResetKey(String),
    /// Choose hosts to deploy this key pair to.
    OpenDeploy(i64),
    /// Choose a key pair to deploy to this host.
    OpenDeployToHost(String),
    OpenRotate(i64),
    /// Work on servers (deploy, remove, check, audit, reset key, rotate).
    Remote(RemoteAction),
    /// Runs the last remote action again on these hosts.
    RetryRemote {
        hosts: Vec<String>,
        accept_new: bool,
    },
    CancelRemote,
    CloseRemote,
    /// Asks "are you sure?" and then runs the command.
    Confirm {
        title: String,
        text: String,
        confirm: String,
        command: Box<Command>,
    },
    CloseDialog,
    CreateKey(CreateRequest),
    /// Saves the generated private key the open dialog holds: to `path`, or to where
    /// the file dialog says when `None`.
    SavePrivateKey {
        path: Option<PathBuf>,
        overwrite: bool,
    },
    /// Reads pasted text for the import preview (off the UI thread).
    ParseImportText(zeroize::Zeroizing<String>),
    ImportKeys(ImportRequest),
    /// "Import from ~/.ssh": open the dialog and scan the SSH folder.
    OpenSshImport,
    /// Scans the folder the open SSH import dialog names.
    ScanSshDir,
    ImportScanned(crate::ui::keys::ssh_import::SshImportRequest),
    /// Adds a key pair's private key to the agent, for `lifetime` seconds (None: until
    /// removed), optionally confirming each use.
    AgentAdd {
        key: i64,
        lifetime: Option<u32>,
        confirm: bool,
    },
    /// Opens the user's terminal logged in to this host with its bound key pair alone
    /// (`copy`: puts that ssh command line on the clipboard instead).
    Connect {
        host: String,
        copy: bool,
    },
    /// Opens "Convert…" for a key pair whose private key file is known.
    OpenConvert(i64),
    ConvertKey(Box<crate::ui::keys::convert::ConvertRequest>),
    /// Asks the agent which keys it holds.
    AgentRefresh,
    /// Runs `doctor`'s checks of this machine again (Settings).
    RunDoctor,
    /// Previews the managed ssh config (and turns it on from there).
    OpenSshConfig,
    ApplySshConfig(Box<crate::local::ssh_config::Plan>),
    SshConfigOff,
    /// Removes the key with this fingerprint from the agent (None: every key).
    AgentRemove(Option<String>),
    EditKey {
        id: i64,
        edit: KeyEdit,
    },
    DeleteKeys {
        ids: Vec<i64>,
        how: crate::inventory::DeleteHow,
    },
    Bind {
        key: i64,
        hosts: Vec<String>,
    },
    Unbind {
        key: i64,
        hosts: Vec<String>,
    },
    SaveAccount {
        old: Option<String>,
        name: String,
        provider: Provider,
        note: String,
        /// Profile, default region and endpoint ("" clears one).
        cloud: [String; 3],
    },
    RemoveAccount(String),
    /// An account's cloud page and what it does.
    Cloud(crate::ui::cloud::cloud_view::CloudCommand),
    /// Opens "Push to cloud…" for a key pair.
    OpenPushToCloud(i64),
    SaveHost {
        old: Option<String>,
        host: NewHost,
    },
    RemoveHost(String),
    ResetKey {
        host: String,
        key: i64,
    },
    /// Opens the known_hosts view with these names and addresses filled in.
    CleanKnownHosts(Vec<String>),
    Copy {
        text: String,
        what: String,
    },
    SavePublicKey(i64),
    /// The Keys view with this key pair selected.
    ShowKey(i64),
    /// The Hosts view with this host selected.
    ShowHost(String),
    /// Exports the whole inventory to a file the save dialog asks for.
    ExportInventory,
    /// Asks for an exported inventory and previews importing it.
    PickInventoryImport,
    /// Compares the previewed document with the inventory again (rename was ticked).
    PlanInventoryImport,
    /// Merges the previewed document into the inventory.
    ApplyInventoryImport,
}
