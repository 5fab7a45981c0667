//! Tencent Cloud key pairs: not reachable yet (this module comes after AWS, behind the same
//! [`KeyPairApi`]); until then such accounts are kept in the inventory only.

pub mod sign;

use super::http::Http;
use super::{CloudError, KeyPairApi, Result};
use crate::cloud::aws::profile::Env;
use crate::inventory::Account;

/// Reaches an account's Tencent API.
pub fn connect(account: &Account, region: Option<&str>, env: &dyn Env, http: Http) -> Result<Box<dyn KeyPairApi>> {
    let _ = (account, region, env, http);
    Err(CloudError::Config(
        "Keyshelf cannot reach Tencent Cloud accounts yet: their key pairs are kept in the inventory only".into(),
    ))
}
