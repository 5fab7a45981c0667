//! A local HTTP/1.1 server on 127.0.0.1 for the cloud modules' unit tests: it reads each
//! request (head and body, by `Content-Length`) and writes the answer a test gives, one
//! connection per request. Tests only.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request line and the header lines, as sent (`\r\n` kept).
    pub head: String,
    /// The headers, names lowercased, values trimmed (a repeated name keeps its last).
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// Starts a server that answers each request with `answer` (status, body): every request
/// when `limit` is `None`, else that many, after which it stops listening. Returns its URL.
pub fn serve(limit: Option<usize>, mut answer: impl FnMut(Received) -> (u16, Vec<u8>) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut served = 0;
        while limit.is_none_or(|l| served < l) {
            let Ok((stream, _)) = listener.accept() else { return };
            served += 1;
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut headers = HashMap::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if !head.is_empty() {
                    if let Some((k, v)) = line.split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                    }
                }
                head.push_str(&line);
            }
            let length = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let (status, reply) = answer(Received { head, headers, body });
            let mut s = stream;
            let _ = write!(s, "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", reply.len());
            let _ = s.write_all(&reply);
        }
    });
    url
}

/// What a canned server was asked: each request's head, a blank line, then its body.
pub type Log = Arc<Mutex<Vec<String>>>;

/// Starts a server that answers each request with the next of `replies`, then stops;
/// its URL and the log of what it was asked.
pub fn serve_canned(replies: Vec<(u16, Vec<u8>)>) -> (String, Log) {
    let log: Log = Arc::default();
    let kept = log.clone();
    let count = replies.len();
    let mut replies = replies.into_iter();
    let url = serve(Some(count), move |r| {
        kept.lock().unwrap().push(format!("{}\n{}", r.head, String::from_utf8_lossy(&r.body)));
        replies.next().unwrap_or((500, Vec::new()))
    });
    (url, log)
}
