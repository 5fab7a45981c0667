//! Reading AWS's XML replies: elements by local name (the namespaces differ between
//! EC2 and STS), and the error forms of both (`<Response><Errors><Error>` for EC2,
//! `<ErrorResponse><Error>` for STS).

use roxmltree::{Document, Node};

/// The first child element named `name`.
pub fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.is_element() && n.tag_name().name() == name)
}

/// The text of the first child element named `name`.
pub fn text(node: Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).map(|n| n.text().unwrap_or_default().to_string())
}

/// The text of the first element named `name` anywhere below `node`.
pub fn find_text(node: Node<'_, '_>, name: &str) -> Option<String> {
    node.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or_default().trim().to_string())
}

/// `(code, message, request id)` when `body` is an AWS error reply.
pub fn error(body: &[u8]) -> Option<(String, String, Option<String>)> {
    let text = std::str::from_utf8(body).ok()?;
    let doc = Document::parse(text).ok()?;
    let root = doc.root_element();
    if !matches!(root.tag_name().name(), "Response" | "ErrorResponse" | "Error") {
        return None;
    }
    let err = if root.tag_name().name() == "Error" {
        root
    } else {
        root.descendants().find(|n| n.is_element() && n.tag_name().name() == "Error")?
    };
    let code = text_of(err, "Code")?;
    let message = text_of(err, "Message").unwrap_or_default();
    let request_id = find_text(root, "RequestID").or_else(|| find_text(root, "RequestId"));
    Some((code, message, request_id))
}

fn text_of(node: Node<'_, '_>, name: &str) -> Option<String> {
    text(node, name).map(|s| s.trim().to_string())
}

/// Just the error code, for the retry decision.
pub fn error_code(body: &[u8]) -> Option<String> {
    error(body).map(|(c, _, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_and_sts_errors_are_read() {
        let ec2 = br#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message></Error></Errors><RequestID>59dbff89-35bd-4eac-99ed-be587EXAMPLE</RequestID></Response>"#;
        assert_eq!(
            error(ec2),
            Some((
                "AuthFailure".into(),
                "AWS was not able to validate the provided access credentials".into(),
                Some("59dbff89-35bd-4eac-99ed-be587EXAMPLE".into())
            ))
        );
        let sts = br#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>abc</RequestId></ErrorResponse>"#;
        assert_eq!(error_code(sts).as_deref(), Some("InvalidClientTokenId"));
        let ok = br#"<DescribeKeyPairsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><keySet/></DescribeKeyPairsResponse>"#;
        assert_eq!(error(ok), None);
        for junk in
            [&b""[..], b"<", b"\xff\xfe", b"<Response><Errors><Error></Error></Errors></Response>", b"not xml at all"]
        {
            assert_eq!(error(junk), None);
        }
    }
}
