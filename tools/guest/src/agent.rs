//! The agent: owns the harness port, relays local requests to the host and the answers back.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::thread;

/// An answer from the host: the payload, or the host's error message.
type Answer = Result<Vec<u8>, String>;

/// Requests sent to the host and not answered yet, by id.
#[derive(Default)]
struct Pending {
    next_id: u64,
    waiting: HashMap<u64, Sender<Answer>>,
    /// Set when the port failed: every later request fails at once with this.
    broken: Option<String>,
}

/// Serve `port` until it fails.
pub fn serve(port: &str) -> Result<(), String> {
    let port_file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(port)
        .map_err(|e| format!("cannot open the harness port {port}: {e}"))?;
    let writer = Arc::new(Mutex::new(port_file.try_clone().map_err(|e| e.to_string())?));
    let pending = Arc::new(Mutex::new(Pending::default()));

    let _ = std::fs::remove_file(crate::AGENT_SOCKET);
    let listener =
        UnixListener::bind(crate::AGENT_SOCKET).map_err(|e| format!("cannot listen on {}: {e}", crate::AGENT_SOCKET))?;

    let reader_pending = Arc::clone(&pending);
    thread::spawn(move || {
        let failure = read_answers(port_file, &reader_pending);
        let mut pending = lock(&reader_pending);
        for (_, waiter) in pending.waiting.drain() {
            let _ = waiter.send(Err(failure.clone()));
        }
        pending.broken = Some(failure);
    });

    for client in listener.incoming() {
        let Ok(client) = client else { continue };
        let (writer, pending) = (Arc::clone(&writer), Arc::clone(&pending));
        thread::spawn(move || relay(client, &writer, &pending));
    }
    Ok(())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking relay thread leaves the data consistent (single inserts and removals).
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Relay one local request and its answer.
fn relay(client: UnixStream, writer: &Mutex<File>, pending: &Mutex<Pending>) {
    let mut line = String::new();
    let Ok(mut reply_to) = client.try_clone() else { return };
    if BufReader::new(client).read_line(&mut line).is_err() || line.trim().is_empty() {
        return;
    }
    let (sender, receiver) = channel();
    let id = {
        let mut pending = lock(pending);
        if let Some(failure) = &pending.broken {
            let _ = writeln!(reply_to, "err {failure}");
            return;
        }
        pending.next_id += 1;
        let id = pending.next_id;
        pending.waiting.insert(id, sender);
        id
    };
    let sent = writeln!(lock(writer), "{id} {}", line.trim());
    let answer = match sent {
        Ok(()) => receiver
            .recv()
            .unwrap_or_else(|_| Err("the harness port closed".to_string())),
        Err(e) => {
            lock(pending).waiting.remove(&id);
            Err(format!("cannot write to the harness port: {e}"))
        }
    };
    let _ = match answer {
        Ok(payload) => reply_to
            .write_all(b"ok\n")
            .and_then(|()| reply_to.write_all(&payload)),
        Err(message) => writeln!(reply_to, "err {message}"),
    };
}

/// Read answers from the host until the port fails; returns why it stopped.
fn read_answers(port: File, pending: &Mutex<Pending>) -> String {
    let mut reader = BufReader::new(port);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) => return "the harness port reached end of file".to_string(),
            Ok(_) => {}
            Err(e) => return format!("reading the harness port failed: {e}"),
        }
        let mut words = line.trim_end().splitn(3, ' ');
        let (Some(id), Some(status)) = (words.next().and_then(|w| w.parse::<u64>().ok()), words.next()) else {
            eprintln!("ocfs-guest agent: ignoring a malformed line from the host: {line:?}");
            continue;
        };
        let rest = words.next().unwrap_or("");
        let answer = match status {
            "ok" => {
                let len = rest.parse::<usize>().unwrap_or(0);
                let mut payload = vec![0; len];
                if let Err(e) = reader.read_exact(&mut payload) {
                    return format!("truncated payload from the harness: {e}");
                }
                Ok(payload)
            }
            _ => Err(rest.to_string()),
        };
        if let Some(waiter) = lock(pending).waiting.remove(&id) {
            let _ = waiter.send(answer);
        }
    }
}
