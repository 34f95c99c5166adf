//! Spawns a private `redis-server` on a free loopback port, for tests and the bundled target.
//!
//! The server keeps nothing on disk (`--save "" --appendonly no`) and evicts like a cache
//! (`allkeys-lru`, 256 MB). It is killed when the [`RedisServer`] is dropped; tests can also
//! [`RedisServer::kill`] it and [`RedisServer::restart`] it on the same port to simulate an outage.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a fresh server may take to answer PING.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a private Redis could not be started.
#[derive(Debug, thiserror::Error)]
pub enum RedisServerError {
    /// No `redis-server` on PATH.
    #[error(
        "redis-server was not found on PATH; install it (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`)"
    )]
    NotInstalled,
    /// No free port could be reserved.
    #[error("could not find a free port on 127.0.0.1: {0}")]
    NoFreePort(#[source] std::io::Error),
    /// The process could not be spawned.
    #[error("could not run '{binary}': {source}")]
    Spawn {
        /// The binary found on PATH.
        binary: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The process exited before answering PING (port taken, bad arguments...).
    #[error("redis-server on port {port} exited during start-up ({status})")]
    Exited {
        /// The port it was given.
        port: u16,
        /// Its exit status.
        status: std::process::ExitStatus,
    },
    /// `pause`/`resume` on a server that is not running, or the signal could not be sent.
    #[error("could not send {signal} to redis-server on port {port}: {reason}")]
    Signal {
        /// `-STOP` or `-CONT`.
        signal: &'static str,
        /// The port it was given.
        port: u16,
        /// Why.
        reason: String,
    },
    /// The process runs but did not answer PING in time.
    #[error("redis-server on port {port} did not answer PING within {waited:?}")]
    NotReady {
        /// The port it was given.
        port: u16,
        /// How long we waited.
        waited: Duration,
    },
}

/// A running private `redis-server`, killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    child: Option<Child>,
}

/// Whether `redis-server` is on PATH.
pub fn is_installed() -> bool {
    find_binary().is_some()
}

fn find_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> Result<u16, RedisServerError> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(RedisServerError::NoFreePort)?;
    let port = listener
        .local_addr()
        .map_err(RedisServerError::NoFreePort)?
        .port();
    Ok(port)
}

/// One PING over a raw socket (no client library needed), with short timeouts.
fn answers_ping(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let timeout = Duration::from_millis(200);
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, timeout) else {
        return false;
    };
    if stream.set_read_timeout(Some(timeout)).is_err() || stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

fn spawn(binary: &Path, port: u16) -> Result<Child, RedisServerError> {
    Command::new(binary)
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1"])
        .args(["--save", ""])
        .args(["--appendonly", "no"])
        .args(["--maxmemory", "256mb"])
        .args(["--maxmemory-policy", "allkeys-lru"])
        .args(["--daemonize", "no"])
        .arg("--dir")
        .arg(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|source| RedisServerError::Spawn {
            binary: binary.to_path_buf(),
            source,
        })
}

impl RedisServer {
    /// Starts `redis-server` on a free 127.0.0.1 port and waits (at most 5 s) until it answers PING.
    /// Blocking: call it at start-up or from a test, not from a busy async task.
    pub fn start() -> Result<RedisServer, RedisServerError> {
        let binary = find_binary().ok_or(RedisServerError::NotInstalled)?;
        // The port is free when we look but could be taken before redis-server binds it: retry then.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let mut server = RedisServer {
                binary: binary.clone(),
                port: free_port()?,
                child: None,
            };
            match server.launch() {
                Ok(()) => return Ok(server),
                Err(RedisServerError::Exited { .. }) if attempts < 3 => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn launch(&mut self) -> Result<(), RedisServerError> {
        let mut child = spawn(&self.binary, self.port)?;
        let started = Instant::now();
        loop {
            if answers_ping(self.port) {
                self.child = Some(child);
                return Ok(());
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(RedisServerError::Exited {
                    port: self.port,
                    status,
                });
            }
            if started.elapsed() > READY_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RedisServerError::NotReady {
                    port: self.port,
                    waited: READY_TIMEOUT,
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `redis://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (SIGKILL, like a crash) and waits for it to exit. Idempotent.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Errors mean it has already exited, which is what we want.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server if it runs, then starts a new, empty one on the same port.
    pub fn restart(&mut self) -> Result<(), RedisServerError> {
        self.kill();
        self.launch()
    }
}

impl RedisServer {
    /// Freezes the server (SIGSTOP): it keeps its data and its connections but answers nothing, like
    /// a hung Redis. Unix only; for tests.
    pub fn pause(&self) -> Result<(), RedisServerError> {
        self.signal("-STOP")
    }

    /// Unfreezes a paused server (SIGCONT).
    pub fn resume(&self) -> Result<(), RedisServerError> {
        self.signal("-CONT")
    }

    fn signal(&self, signal: &'static str) -> Result<(), RedisServerError> {
        let error = |reason: String| RedisServerError::Signal {
            signal,
            port: self.port,
            reason,
        };
        let child = self
            .child
            .as_ref()
            .ok_or_else(|| error("it is not running".to_string()))?;
        let status = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .map_err(|e| error(format!("could not run kill: {e}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(error(format!("kill exited with {status}")))
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // SIGKILL also ends a paused (stopped) server.
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_kills_and_restarts_on_the_same_port() -> Result<(), RedisServerError> {
        if !is_installed() {
            return Err(RedisServerError::NotInstalled);
        }
        let mut server = RedisServer::start()?;
        let port = server.port();
        assert!(answers_ping(port));
        assert_eq!(server.url(), format!("redis://127.0.0.1:{port}"));
        server.kill();
        assert!(!answers_ping(port));
        server.restart()?;
        assert_eq!(server.port(), port);
        assert!(answers_ping(port));
        drop(server);
        assert!(!answers_ping(port));
        Ok(())
    }
}
