//! httpbin under gunicorn on 127.0.0.1, started by a test on a free port: a real HTTP service no
//! one here wrote (cookies, redirects, gzip/deflate/brotli, forms, multipart, basic auth, echoed
//! request headers and bodies). Shared by every conformance test: `mod httpbin;` then
//! [`Httpbin::start`].
//!
//! It comes from a Python virtual environment: `$STAMPEDE_HTTPBIN_VENV`, or `target/httpbin-venv`
//! in the repository, which `ci/test.sh` creates from `ci/httpbin-requirements.txt` when it is
//! missing. Without it a test fails and says how to install it; it never skips silently.
#![allow(dead_code)] // each test binary uses a different part

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Longest wait for gunicorn to say where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running httpbin; stopped (and its workers with it) when dropped.
pub struct Httpbin {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    pub port: u16,
    child: Child,
}

/// The virtual environment httpbin is installed in.
pub fn venv() -> PathBuf {
    std::env::var_os("STAMPEDE_HTTPBIN_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/httpbin-venv"))
}

impl Httpbin {
    /// Starts httpbin (one gunicorn worker, threaded so connections stay open between requests)
    /// on a free port of 127.0.0.1.
    pub fn start() -> Httpbin {
        let gunicorn = venv().join("bin/gunicorn");
        assert!(
            gunicorn.is_file(),
            "httpbin is not installed: {} is missing. Run `bash ci/test.sh` (it installs it), or \
             `python3 -m venv target/httpbin-venv && target/httpbin-venv/bin/pip install -r \
             ci/httpbin-requirements.txt`, or point STAMPEDE_HTTPBIN_VENV at a virtual \
             environment that has httpbin and gunicorn",
            gunicorn.display()
        );
        let mut child = Command::new(&gunicorn)
            .args([
                "--bind",
                "127.0.0.1:0",
                "--workers",
                "1",
                "--worker-class",
                "gthread",
                "--threads",
                "8",
                "--graceful-timeout",
                "1",
                "--no-control-socket",
                "httpbin:app",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", gunicorn.display()));
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut told = false;
            let mut seen = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !told {
                    seen.push_str(&line);
                    seen.push('\n');
                    if let Some(port) = line
                        .split("Listening at: http://127.0.0.1:")
                        .nth(1)
                        .and_then(|rest| rest.split_whitespace().next())
                        .and_then(|p| p.parse::<u16>().ok())
                    {
                        told = true;
                        let _ = tx.send(Ok(port));
                    }
                }
                // Keep draining, so gunicorn never blocks on a full pipe.
            }
            if !told {
                let _ = tx.send(Err(seen));
            }
        });
        let port = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(port)) => port,
            Ok(Err(log)) => {
                let _ = child.kill();
                panic!("gunicorn (httpbin) exited before listening:\n{log}");
            }
            Err(_) => {
                let _ = child.kill();
                panic!("gunicorn (httpbin) did not listen within {START_TIMEOUT:?}");
            }
        };
        let httpbin = Httpbin {
            base_url: format!("http://127.0.0.1:{port}"),
            port,
            child,
        };
        httpbin.wait_ready();
        httpbin
    }

    /// Waits until the worker answers (the master listens before its worker has booted).
    fn wait_ready(&self) {
        let deadline = std::time::Instant::now() + START_TIMEOUT;
        while std::time::Instant::now() < deadline {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = s
                    .write_all(b"GET /status/200 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                let mut head = [0u8; 12];
                if s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("httpbin on port {} never answered", self.port);
    }

    /// `http://localhost:PORT`: the same server on another origin (another host name).
    pub fn other_origin(&self) -> String {
        format!("http://localhost:{}", self.port)
    }
}

impl Drop for Httpbin {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its worker; then make sure.
        let pid = self.child.id() as i32;
        // SAFETY: signalling our own child process.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
