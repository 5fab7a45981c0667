//! What a run says about each host: a [`HostStatus`] (the same words in the CLI's table,
//! its JSON and the app) and a message a person can act on.

use serde::{Deserialize, Serialize};

use super::ssh::{Failure, FailureKind};
use crate::inventory::Host;

/// How a host came out of a run. Serialised (and shown) as the words scripts read:
/// `ok`, `refused`, `unreachable`, `host key changed`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HostStatus {
    /// A check logged in with every bound key pair.
    #[serde(rename = "ok")]
    Ok,
    /// The server refused the key offered.
    #[serde(rename = "refused")]
    Refused,
    /// No connection: name, network, port, timeout.
    #[serde(rename = "unreachable")]
    Unreachable,
    /// The host key differs from the one in known_hosts.
    #[serde(rename = "host key changed")]
    HostKeyChanged,
    /// The host key is not in known_hosts and ssh could not ask (or was told no).
    #[serde(rename = "host key unknown")]
    HostKeyUnknown,
    /// No key pair to log in with: none is bound, or its private key file is unknown.
    #[serde(rename = "no private key")]
    NoPrivateKey,
    /// The key was added to the host's authorized_keys.
    #[serde(rename = "deployed")]
    Deployed,
    /// The key was in the host's authorized_keys already.
    #[serde(rename = "already present")]
    AlreadyPresent,
    /// The key was taken out of the host's authorized_keys.
    #[serde(rename = "removed")]
    Removed,
    /// The host's authorized_keys did not hold the key.
    #[serde(rename = "not present")]
    NotPresent,
    /// The new key pair logs in and replaced the old ones.
    #[serde(rename = "rotated")]
    Rotated,
    /// A key was added to the ssh-agent.
    #[serde(rename = "added")]
    Added,
    /// The work on the host failed (the message says why).
    #[serde(rename = "failed")]
    Failed,
    /// The run was cancelled before the host was started.
    #[serde(rename = "cancelled")]
    Cancelled,
}

/// How a status reads at a glance, for colouring it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warning,
    Bad,
}

impl HostStatus {
    pub const ALL: [HostStatus; 14] = [
        HostStatus::Ok,
        HostStatus::Refused,
        HostStatus::Unreachable,
        HostStatus::HostKeyChanged,
        HostStatus::HostKeyUnknown,
        HostStatus::NoPrivateKey,
        HostStatus::Deployed,
        HostStatus::AlreadyPresent,
        HostStatus::Removed,
        HostStatus::NotPresent,
        HostStatus::Rotated,
        HostStatus::Added,
        HostStatus::Failed,
        HostStatus::Cancelled,
    ];

    /// The word for it, as serialised.
    pub fn word(self) -> &'static str {
        match self {
            HostStatus::Ok => "ok",
            HostStatus::Refused => "refused",
            HostStatus::Unreachable => "unreachable",
            HostStatus::HostKeyChanged => "host key changed",
            HostStatus::HostKeyUnknown => "host key unknown",
            HostStatus::NoPrivateKey => "no private key",
            HostStatus::Deployed => "deployed",
            HostStatus::AlreadyPresent => "already present",
            HostStatus::Removed => "removed",
            HostStatus::NotPresent => "not present",
            HostStatus::Rotated => "rotated",
            HostStatus::Added => "added",
            HostStatus::Failed => "failed",
            HostStatus::Cancelled => "cancelled",
        }
    }

    /// The status a word names (the last check the inventory remembers is a word).
    pub fn from_word(word: &str) -> Option<HostStatus> {
        HostStatus::ALL.into_iter().find(|s| s.word() == word)
    }

    pub fn tone(self) -> Tone {
        match self {
            HostStatus::Ok
            | HostStatus::Deployed
            | HostStatus::AlreadyPresent
            | HostStatus::Removed
            | HostStatus::NotPresent
            | HostStatus::Rotated
            | HostStatus::Added => Tone::Good,
            HostStatus::Cancelled | HostStatus::NoPrivateKey => Tone::Warning,
            HostStatus::Refused
            | HostStatus::Unreachable
            | HostStatus::HostKeyChanged
            | HostStatus::HostKeyUnknown
            | HostStatus::Failed => Tone::Bad,
        }
    }

    /// Whether ssh never got as far as logging in, so other key pairs need not be tried.
    pub fn host_not_reached(self) -> bool {
        matches!(self, HostStatus::Unreachable | HostStatus::HostKeyChanged | HostStatus::HostKeyUnknown)
    }
}

impl std::fmt::Display for HostStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

impl From<FailureKind> for HostStatus {
    fn from(k: FailureKind) -> HostStatus {
        match k {
            FailureKind::Refused => HostStatus::Refused,
            FailureKind::Unreachable => HostStatus::Unreachable,
            FailureKind::HostKeyChanged => HostStatus::HostKeyChanged,
            FailureKind::HostKeyUnknown => HostStatus::HostKeyUnknown,
            FailureKind::Remote => HostStatus::Failed,
        }
    }
}

/// One host's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostOutcome {
    pub host: String,
    pub ok: bool,
    pub status: HostStatus,
    pub message: String,
}

impl HostOutcome {
    pub(crate) fn ok(host: &Host, status: HostStatus, message: impl Into<String>) -> HostOutcome {
        HostOutcome { host: host.name.clone(), ok: true, status, message: message.into() }
    }

    pub(crate) fn failed(host: &Host, f: &Failure) -> HostOutcome {
        HostOutcome { host: host.name.clone(), ok: false, status: f.kind.into(), message: f.message.clone() }
    }

    pub(crate) fn not_ok(host: &Host, status: HostStatus, message: impl Into<String>) -> HostOutcome {
        HostOutcome { host: host.name.clone(), ok: false, status, message: message.into() }
    }

    /// The server side went through but the inventory did not follow.
    pub(crate) fn inventory_failed(&mut self, what: &str, e: impl std::fmt::Display) {
        self.ok = false;
        self.message = format!("{}; but {what}: {e}", self.message);
    }
}

/// Progress of a run over several hosts, for a view or a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Started(String),
    Finished(HostOutcome),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_serialises_to_its_word_and_reads_back_from_it() {
        let mut seen = std::collections::HashSet::new();
        for s in HostStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::Value::String(s.word().into()));
            assert_eq!(serde_json::from_value::<HostStatus>(s.word().into()).unwrap(), s);
            assert_eq!(HostStatus::from_word(s.word()), Some(s));
            assert!(seen.insert(s.word()), "{s:?} shares its word");
        }
        assert_eq!(HostStatus::from_word("bogus"), None);
    }

    #[test]
    fn the_words_scripts_read_are_the_ones_they_always_were() {
        let words: Vec<&str> = HostStatus::ALL.iter().map(|s| s.word()).collect();
        assert_eq!(
            words,
            [
                "ok",
                "refused",
                "unreachable",
                "host key changed",
                "host key unknown",
                "no private key",
                "deployed",
                "already present",
                "removed",
                "not present",
                "rotated",
                "added",
                "failed",
                "cancelled"
            ]
        );
        let o = HostOutcome { host: "web".into(), ok: false, status: HostStatus::HostKeyChanged, message: "m".into() };
        assert_eq!(
            serde_json::to_string(&o).unwrap(),
            r#"{"host":"web","ok":false,"status":"host key changed","message":"m"}"#
        );
    }

    #[test]
    fn a_failure_kind_becomes_the_check_word_it_always_was() {
        assert_eq!(HostStatus::from(FailureKind::Remote), HostStatus::Failed);
        assert_eq!(HostStatus::from(FailureKind::HostKeyUnknown).word(), "host key unknown");
    }
}
