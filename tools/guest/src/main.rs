//! `ocfs-guest`: the in-guest side of the QEMU harness (`scripts/qemu/cluster`).
//!
//! The harness talks to each guest over one virtio-serial port. That port must stay open for the
//! whole boot, because the virtio console driver throws unread input away when the port is
//! closed; so one `agent` process owns it and relays the requests of short-lived commands
//! (`barrier`, `fault`, `scenario`, `exit`) that reach it over a unix socket.
//!
//! On the port, one request per line, `ID VERB ARGS...`; the host answers `ID ok LEN` followed
//! by LEN bytes of payload, or `ID err MESSAGE`. Requests may be outstanding concurrently.

mod agent;
mod client;

use std::process::ExitCode;

const USAGE: &str = "usage:
  ocfs-guest agent PORT          serve the harness port (started by /init)
  barrier NAME                   wait until every live node reaches NAME
  fault ACTION NODE              link-down|link-up|kill|pause|resume|restart|crash
  ocfs-guest scenario            print the scenario script of this run
  ocfs-guest exit CODE           report the scenario's exit status";

/// Where the agent listens for local commands.
pub const AGENT_SOCKET: &str = "/run/ocfs-agent.sock";

/// Fault actions the harness understands, as `fault ACTION NODE`.
const FAULT_ACTIONS: [&str; 7] = ["link-down", "link-up", "kill", "pause", "resume", "restart", "crash"];

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    // Called as `barrier` or `fault` through a link: the program name is the command.
    let program = args.first().map(|a| a.rsplit('/').next().unwrap_or(a).to_string());
    match program.as_deref() {
        Some("barrier") | Some("fault") => {}
        _ => {
            args.remove(0);
        }
    }
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{}: {message}", args.first().map(String::as_str).unwrap_or("ocfs-guest"));
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["agent", port] => agent::serve(port).map(|()| ExitCode::SUCCESS),
        ["barrier", name] if is_word(name) => client::request(&format!("barrier {name}")).map(|_| ExitCode::SUCCESS),
        ["fault", action, node] if FAULT_ACTIONS.contains(action) && node.parse::<u8>().is_ok() => {
            client::request(&format!("fault {action} {node}")).map(|_| ExitCode::SUCCESS)
        }
        ["scenario"] => {
            let script = client::request("scenario")?;
            std::io::Write::write_all(&mut std::io::stdout(), &script).map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        ["exit", code] if code.parse::<i32>().is_ok() => client::request(&format!("exit {code}")).map(|_| ExitCode::SUCCESS),
        _ => Err(format!("bad arguments\n{USAGE}")),
    }
}

/// A barrier name: one word of printable characters.
fn is_word(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic())
}
