//! Alibaba key pairs (being written).

use super::http::Http;
use super::{CloudError, KeyPairApi, Result};
use crate::cloud::aws::profile::Env;
use crate::inventory::Account;

/// Reaches an account's Alibaba API.
pub fn connect(account: &Account, region: Option<&str>, env: &dyn Env, http: Http) -> Result<Box<dyn KeyPairApi>> {
    let _ = (account, region, env, http);
    Err(CloudError::Config("not yet".into()))
}
