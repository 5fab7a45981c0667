//! AWS EC2 key pairs through the EC2 Query API (version 2016-11-15, XML replies) and
//! STS `GetCallerIdentity`, signed with Signature Version 4. Credentials, region and
//! endpoint are found as the AWS CLI finds them ([`profile`]).

pub mod profile;
mod xml;

use base64ct::{Base64, Encoding};

use super::http::{Endpoint, Http, Reply, Request};
use super::sign::{uri_encode, SigV4};
use super::{Cancel, CloudError, CloudKey, Identity, KeyPairApi, Result};
use crate::inventory::Provider;
use profile::{AwsAccountConfig, Env, Resolved};

const EC2_VERSION: &str = "2016-11-15";
const STS_VERSION: &str = "2011-06-15";
/// The tag a pushed key pair carries: its SHA-256 fingerprint.
pub const FINGERPRINT_TAG: &str = "keyshelf:sha256";

/// Error codes that mean "the credentials are not good" rather than "this call failed".
const AUTH_CODES: &[&str] = &[
    "AuthFailure",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidAccessKeyId",
    "IncompleteSignature",
    "MissingAuthenticationToken",
];
/// Error codes that ask the caller to slow down.
const THROTTLE_CODES: &[&str] =
    &["RequestLimitExceeded", "Throttling", "ThrottlingException", "RequestThrottled", "SlowDown"];

/// One AWS account, as its credentials reach it.
#[derive(Debug)]
pub struct Aws {
    http: Http,
    resolved: Resolved,
    ec2_endpoint: Option<Endpoint>,
    sts_endpoint: Option<Endpoint>,
}

impl Aws {
    /// Finds the credentials, region and endpoints for an account. Fails without any call
    /// when there are no usable credentials.
    pub fn connect(account: &AwsAccountConfig, region: Option<&str>, env: &dyn Env, http: Http) -> Result<Aws> {
        let resolved = profile::resolve(account, region, env).map_err(|e| CloudError::Credentials(e.to_string()))?;
        Aws::from_resolved(resolved, http)
    }

    pub fn from_resolved(resolved: Resolved, http: Http) -> Result<Aws> {
        let ec2_endpoint = resolved.ec2_endpoint.as_deref().map(Endpoint::parse).transpose()?;
        let sts_endpoint = resolved.sts_endpoint.as_deref().map(Endpoint::parse).transpose()?;
        Ok(Aws { http, resolved, ec2_endpoint, sts_endpoint })
    }

    /// "profile 'dev'" or "the AWS_ACCESS_KEY_ID environment variables": whose
    /// credentials these are, for messages.
    pub fn who(&self) -> String {
        self.resolved.who()
    }

    fn ec2_endpoint(&self, region: &str) -> Result<Endpoint> {
        match &self.ec2_endpoint {
            Some(e) => Ok(e.clone()),
            None => Endpoint::parse(&format!("https://ec2.{}.{}", check_region(region)?, dns_suffix(region))),
        }
    }

    fn call(
        &self,
        service: &str,
        region: &str,
        endpoint: &Endpoint,
        params: &[(&str, String)],
        cancel: &Cancel,
    ) -> Result<roxmltree_owned::Doc> {
        let body: Vec<String> = params.iter().map(|(k, v)| format!("{}={}", uri_encode(k), uri_encode(v))).collect();
        let req = Request {
            method: "POST",
            query: Vec::new(),
            headers: vec![("content-type".into(), "application/x-www-form-urlencoded; charset=utf-8".into())],
            body: body.join("&").into_bytes(),
        };
        let signer = SigV4::new(self.resolved.credentials.clone(), region, service);
        let throttled = |r: &Reply| {
            r.status == 429 || xml::error_code(&r.body).is_some_and(|c| THROTTLE_CODES.contains(&c.as_str()))
        };
        let reply = self.http.send(endpoint, &req, &signer, &throttled, cancel)?;
        let url = endpoint.url();
        if let Some((code, message, request_id)) = xml::error(&reply.body) {
            return Err(if AUTH_CODES.contains(&code.as_str()) {
                CloudError::Auth { provider: "AWS", who: self.who(), code, message }
            } else {
                CloudError::Api { provider: "AWS", code, message, request_id }
            });
        }
        if !(200..300).contains(&reply.status) {
            return Err(CloudError::BadReply {
                endpoint: url,
                reason: format!("HTTP {} without an AWS error", reply.status),
            });
        }
        roxmltree_owned::Doc::parse(reply.body).map_err(|reason| CloudError::BadReply { endpoint: url, reason })
    }

    fn ec2(&self, region: &str, params: &[(&str, String)], cancel: &Cancel) -> Result<roxmltree_owned::Doc> {
        let endpoint = self.ec2_endpoint(region)?;
        self.call("ec2", region, &endpoint, params, cancel)
    }
}

/// An owned XML reply: roxmltree borrows its text, so the text is kept beside it and
/// parsed again where it is read (replies are small).
mod roxmltree_owned {
    pub struct Doc(String);

    impl Doc {
        pub fn parse(body: Vec<u8>) -> Result<Doc, String> {
            let text = String::from_utf8(body).map_err(|_| "the reply is not UTF-8".to_string())?;
            roxmltree::Document::parse(&text).map_err(|e| format!("malformed XML: {e}"))?;
            Ok(Doc(text))
        }

        pub fn with<T>(&self, f: impl FnOnce(&roxmltree::Document<'_>) -> T) -> Result<T, String> {
            let doc = roxmltree::Document::parse(&self.0).map_err(|e| format!("malformed XML: {e}"))?;
            Ok(f(&doc))
        }
    }
}

/// A region name as AWS spells them; anything else would end up in a host name.
fn check_region(region: &str) -> Result<&str> {
    super::check_region_id(region, 32, "an AWS region name (such as us-east-1)")
}

/// The partition a region belongs to: regions of other partitions need other accounts.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

fn dns_suffix(region: &str) -> &'static str {
    if partition(region) == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

fn key_from_item(item: roxmltree::Node<'_, '_>) -> CloudKey {
    let tags = xml::child(item, "tagSet")
        .map(|set| {
            set.children()
                .filter(|n| n.has_tag_name("item"))
                .filter_map(|t| Some((xml::text(t, "key")?, xml::text(t, "value").unwrap_or_default())))
                .collect()
        })
        .unwrap_or_default();
    CloudKey {
        name: xml::text(item, "keyName").unwrap_or_default(),
        cloud_id: xml::text(item, "keyPairId").unwrap_or_default(),
        public_key: None,
        cloud_fingerprint: xml::text(item, "keyFingerprint").unwrap_or_default(),
        fingerprint_sha256: None,
        tags,
    }
    .with_public_key(xml::text(item, "publicKey").map(|s| s.trim().to_string()))
}

impl KeyPairApi for Aws {
    fn provider(&self) -> Provider {
        Provider::Aws
    }

    fn default_region(&self) -> Option<&str> {
        self.resolved.region.as_deref()
    }

    fn identity(&self, cancel: &Cancel) -> Result<Identity> {
        let region = self.default_region().unwrap_or("us-east-1").to_string();
        let endpoint = match &self.sts_endpoint {
            Some(e) => e.clone(),
            None => Endpoint::parse(&format!("https://sts.{}.{}", check_region(&region)?, dns_suffix(&region)))?,
        };
        let params = [("Action", "GetCallerIdentity".to_string()), ("Version", STS_VERSION.to_string())];
        let doc = self.call("sts", &region, &endpoint, &params, cancel)?;
        let bad = |reason: String| CloudError::BadReply { endpoint: endpoint.url(), reason };
        let (account, arn) =
            doc.with(|d| (xml::find_text(d.root(), "Account"), xml::find_text(d.root(), "Arn"))).map_err(bad)?;
        Ok(Identity {
            account_id: account.ok_or_else(|| bad("no Account in the GetCallerIdentity reply".into()))?,
            arn,
            access_key_id: self.resolved.credentials.access_key_id.clone(),
            source: self.resolved.source_label(),
        })
    }

    fn regions(&self, cancel: &Cancel) -> Result<Vec<String>> {
        let home = self.default_region().unwrap_or("us-east-1").to_string();
        let params = [("Action", "DescribeRegions".to_string()), ("Version", EC2_VERSION.to_string())];
        let doc = self.ec2(&home, &params, cancel)?;
        let mut regions = doc
            .with(|d| {
                d.descendants()
                    .filter(|n| n.has_tag_name("item") && xml::child(*n, "regionName").is_some())
                    .filter(|n| xml::text(*n, "optInStatus").as_deref() != Some("not-opted-in"))
                    .filter_map(|n| xml::text(n, "regionName"))
                    .filter(|r| partition(r) == partition(&home))
                    .collect::<Vec<String>>()
            })
            .map_err(|reason| CloudError::BadReply {
                endpoint: self.ec2_endpoint(&home).map(|e| e.url()).unwrap_or_default(),
                reason,
            })?;
        regions.sort();
        regions.dedup();
        Ok(regions)
    }

    fn list(&self, region: &str, cancel: &Cancel) -> Result<Vec<CloudKey>> {
        self.describe(region, None, cancel)
    }

    fn find(&self, region: &str, name: &str, cancel: &Cancel) -> Result<Option<CloudKey>> {
        Ok(self.describe(region, Some(name), cancel)?.into_iter().find(|k| k.name == name))
    }

    fn import(
        &self,
        region: &str,
        name: &str,
        public_key: &str,
        tags: &[(String, String)],
        cancel: &Cancel,
    ) -> Result<String> {
        let mut params = vec![
            ("Action", "ImportKeyPair".to_string()),
            ("Version", EC2_VERSION.to_string()),
            ("KeyName", name.to_string()),
            ("PublicKeyMaterial", Base64::encode_string(public_key.as_bytes())),
        ];
        let names: Vec<(String, String)> = tags
            .iter()
            .enumerate()
            .map(|(i, _)| {
                (format!("TagSpecification.1.Tag.{}.Key", i + 1), format!("TagSpecification.1.Tag.{}.Value", i + 1))
            })
            .collect();
        if !tags.is_empty() {
            params.push(("TagSpecification.1.ResourceType", "key-pair".to_string()));
        }
        for ((k, v), (kn, vn)) in tags.iter().zip(&names) {
            params.push((kn.as_str(), k.clone()));
            params.push((vn.as_str(), v.clone()));
        }
        let doc = self.ec2(region, &params, cancel)?;
        doc.with(|d| xml::find_text(d.root(), "keyPairId").unwrap_or_default()).map_err(|reason| CloudError::BadReply {
            endpoint: self.ec2_endpoint(region).map(|e| e.url()).unwrap_or_default(),
            reason,
        })
    }

    fn delete(&self, region: &str, name: &str, _cloud_id: &str, cancel: &Cancel) -> Result<()> {
        // By name: the id is not needed, and emulators ignore it.
        let params = [
            ("Action", "DeleteKeyPair".to_string()),
            ("Version", EC2_VERSION.to_string()),
            ("KeyName", name.to_string()),
        ];
        self.ec2(region, &params, cancel).map(|_| ())
    }
}

impl Aws {
    fn describe(&self, region: &str, name: Option<&str>, cancel: &Cancel) -> Result<Vec<CloudKey>> {
        let mut params = vec![
            ("Action", "DescribeKeyPairs".to_string()),
            ("Version", EC2_VERSION.to_string()),
            ("IncludePublicKey", "true".to_string()),
        ];
        if let Some(n) = name {
            // A filter, not KeyName.1: a missing name is then an empty list, not an error.
            params.push(("Filter.1.Name", "key-name".to_string()));
            params.push(("Filter.1.Value.1", n.to_string()));
        }
        let doc = self.ec2(region, &params, cancel)?;
        doc.with(|d| {
            let Some(set) = d.descendants().find(|n| n.has_tag_name("keySet")) else { return Vec::new() };
            set.children().filter(|n| n.has_tag_name("item")).map(key_from_item).collect()
        })
        .map_err(|reason| CloudError::BadReply {
            endpoint: self.ec2_endpoint(region).map(|e| e.url()).unwrap_or_default(),
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::credentials::{Credentials, Secret};
    use crate::cloud::http::RetryPolicy;
    use std::time::Duration;

    /// A local HTTP server that answers each request with the next canned reply, and
    /// keeps what it was asked.
    fn serve(replies: Vec<(u16, Vec<u8>)>) -> (String, crate::cloud::test_server::Log) {
        crate::cloud::test_server::serve_canned(replies)
    }

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn aws(url: &str) -> Aws {
        let resolved = Resolved {
            credentials: Credentials {
                access_key_id: "AKIDEXAMPLE".into(),
                secret: Secret::new(SECRET),
                session_token: None,
            },
            profile: "dev".into(),
            source: profile::CredentialSource::SharedFile { path: "/nowhere/credentials".into() },
            region: Some("us-east-1".into()),
            ec2_endpoint: Some(url.to_string()),
            sts_endpoint: Some(url.to_string()),
        };
        let retry =
            RetryPolicy { attempts: 4, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) };
        Aws::from_resolved(resolved, Http::new(retry)).unwrap()
    }

    const THROTTLED: &str = "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r1</RequestID></Response>";
    const KEYS: &str = r#"<DescribeKeyPairsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>x</requestId>
  <keySet>
    <item>
      <keyPairId>key-0123</keyPairId>
      <keyName>laptop key</keyName>
      <keyFingerprint>1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f</keyFingerprint>
      <keyType>ed25519</keyType>
      <tagSet><item><key>keyshelf:sha256</key><value>SHA256:x</value></item></tagSet>
      <publicKey>ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMOdS1X28pmCMQoCd6/C9nZVcd48zd637+CpuPItSgS3 laptop key</publicKey>
    </item>
  </keySet>
</DescribeKeyPairsResponse>"#;

    #[test]
    fn a_throttled_call_is_tried_again_and_the_reply_is_read() {
        let (url, seen) = serve(vec![(503, THROTTLED.into()), (400, THROTTLED.into()), (200, KEYS.into())]);
        let keys = aws(&url).list("eu-west-1", &Cancel::default()).unwrap();
        assert_eq!(seen.lock().unwrap().len(), 3, "two throttled replies, then the answer");
        assert_eq!(keys.len(), 1);
        let k = &keys[0];
        assert_eq!((k.name.as_str(), k.cloud_id.as_str()), ("laptop key", "key-0123"));
        assert_eq!(k.tags, [("keyshelf:sha256".to_string(), "SHA256:x".to_string())]);
        assert_eq!(
            k.fingerprint_sha256.as_deref(),
            crate::keys::parse_key(k.public_key.as_deref().unwrap().as_bytes())
                .ok()
                .map(|p| p.info.fingerprint_sha256)
                .as_deref()
        );
        let request = seen.lock().unwrap()[2].clone();
        assert!(request.contains("Action=DescribeKeyPairs&Version=2016-11-15&IncludePublicKey=true"), "{request}");
        assert!(request.contains("/eu-west-1/ec2/aws4_request"), "signed for the region: {request}");
        assert!(!request.contains(SECRET), "the secret never travels");
    }

    #[test]
    fn throttling_that_never_ends_is_reported_with_its_code() {
        let (url, seen) = serve(vec![(503, THROTTLED.into()); 4]);
        let err = aws(&url).list("us-east-1", &Cancel::default()).unwrap_err();
        assert_eq!(seen.lock().unwrap().len(), 4, "the policy's four tries");
        assert_eq!(err.code(), Some("RequestLimitExceeded"));
        assert!(err.to_string().contains("request r1"), "{err}");
    }

    #[test]
    fn bad_credentials_malformed_and_oversized_replies_are_errors_never_panics() {
        let auth = "<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message></Error></Errors></Response>";
        let (url, _) = serve(vec![(401, auth.into())]);
        let err = aws(&url).list("us-east-1", &Cancel::default()).unwrap_err();
        assert!(matches!(err, CloudError::Auth { .. }), "{err:?}");
        assert!(err.to_string().contains("profile 'dev'") && err.to_string().contains("AuthFailure"), "{err}");
        assert!(!format!("{err} {err:?}").contains(SECRET));

        for body in [&b"<DescribeKeyPairsResponse><keySet><item>"[..], b"\xff\xfe\x00", b"", b"<<<>>>"] {
            let (url, _) = serve(vec![(200, body.to_vec())]);
            let err = aws(&url).list("us-east-1", &Cancel::default()).unwrap_err();
            assert!(matches!(err, CloudError::BadReply { .. }), "{body:?}: {err:?}");
        }
        let huge = vec![b'x'; crate::cloud::http::MAX_REPLY_BYTES as usize + 10];
        let (url, _) = serve(vec![(200, huge)]);
        let err = aws(&url).list("us-east-1", &Cancel::default()).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
        // Nothing listens there any more.
        let err = aws("http://127.0.0.1:9").list("us-east-1", &Cancel::default()).unwrap_err();
        assert!(matches!(err, CloudError::Network { .. }), "{err:?}");
    }

    #[test]
    fn regions_are_the_enabled_ones_of_the_credentials_partition() {
        let body = "<DescribeRegionsResponse><regionInfo>
            <item><regionName>us-east-1</regionName><optInStatus>opt-in-not-required</optInStatus></item>
            <item><regionName>af-south-1</regionName><optInStatus>not-opted-in</optInStatus></item>
            <item><regionName>eu-west-1</regionName></item>
            <item><regionName>cn-north-1</regionName></item>
            <item><regionName>us-gov-west-1</regionName></item>
            <item><regionName>ap-east-1</regionName><optInStatus>opted-in</optInStatus></item>
        </regionInfo></DescribeRegionsResponse>";
        let (url, _) = serve(vec![(200, body.into())]);
        assert_eq!(aws(&url).regions(&Cancel::default()).unwrap(), ["ap-east-1", "eu-west-1", "us-east-1"]);
    }

    #[test]
    fn import_sends_the_key_base64_with_its_tags() {
        let (url, seen) =
            serve(vec![(200, b"<ImportKeyPairResponse><keyPairId>key-9</keyPairId></ImportKeyPairResponse>".to_vec())]);
        let tags = [("keyshelf:sha256".to_string(), "SHA256:abc/+=".to_string())];
        let id = aws(&url).import("us-east-1", "web", "ssh-ed25519 AAAA x", &tags, &Cancel::default()).unwrap();
        assert_eq!(id, "key-9");
        let request = seen.lock().unwrap()[0].clone();
        let material = Base64::encode_string(b"ssh-ed25519 AAAA x");
        assert!(request.contains(&format!("PublicKeyMaterial={}", uri_encode(&material))), "{request}");
        assert!(request.contains("TagSpecification.1.ResourceType=key-pair"), "{request}");
        assert!(request.contains("TagSpecification.1.Tag.1.Key=keyshelf%3Asha256"), "{request}");
        assert!(request.contains("TagSpecification.1.Tag.1.Value=SHA256%3Aabc%2F%2B%3D"), "{request}");
    }
}
