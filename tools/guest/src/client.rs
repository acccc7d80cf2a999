//! The short-lived side: send one request to the agent and wait for its answer.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;

/// Send `request` (one line, no newline) through the agent; the payload of an `ok` answer.
pub fn request(request: &str) -> Result<Vec<u8>, String> {
    let mut stream = UnixStream::connect(crate::AGENT_SOCKET)
        .map_err(|e| format!("cannot reach the harness agent at {}: {e}", crate::AGENT_SOCKET))?;
    stream
        .write_all(format!("{request}\n").as_bytes())
        .map_err(|e| format!("cannot send to the agent: {e}"))?;
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader
        .read_line(&mut status)
        .map_err(|e| format!("no answer from the agent: {e}"))?;
    match status.trim_end().split_once(' ').unwrap_or((status.trim_end(), "")) {
        ("ok", _) => {
            let mut payload = Vec::new();
            reader
                .read_to_end(&mut payload)
                .map_err(|e| format!("truncated answer from the agent: {e}"))?;
            Ok(payload)
        }
        ("err", message) => Err(message.to_string()),
        _ => Err(format!("the agent closed the connection ({request}): the harness is gone")),
    }
}
