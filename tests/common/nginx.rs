//! A real nginx (Debian's package) for the tests, started in the foreground on a free port of
//! 127.0.0.1 with everything it writes (config, pid, logs, temp files, the test CA and the server
//! certificate) in a temporary directory, so it runs without root and without touching the system's
//! nginx. Stopped when dropped.
//!
//! The access log has one line per request: `$server_protocol $connection $status $request_uri`
//! (e.g. `HTTP/2.0 3 200 /hello`), so tests can see which protocol carried each request and over
//! how many connections. `ci/test.sh` installs nginx when it is missing; a test that needs it fails
//! (it does not skip) with that instruction when it is not there.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::certs::test_certificates;

/// How nginx listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listen {
    /// Plain HTTP/1.1.
    Http1,
    /// Plain HTTP/2 with prior knowledge only (nginx 1.22's `listen ... http2` without `ssl`).
    H2c,
    /// TLS with ALPN offering h2 and http/1.1, with a certificate for 127.0.0.1 signed by a CA made
    /// for the test (its PEM: [`Nginx::ca_file`]).
    Tls,
}

/// A running nginx.
pub struct Nginx {
    pub port: u16,
    pub listen: Listen,
    dir: tempfile::TempDir,
    child: Child,
}

/// The nginx binary: on `PATH`, or where Debian puts it.
fn nginx_exe() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file());
    on_path
        .or_else(|| Some(PathBuf::from("/usr/sbin/nginx")).filter(|p| p.is_file()))
        .unwrap_or_else(|| {
            panic!(
                "nginx is not installed: these tests run against a real nginx. Run `bash ci/test.sh` \
                 (it installs what the tests need) or `sudo apt-get install nginx`"
            )
        })
}

impl Nginx {
    /// Starts nginx listening as `listen`, with `locations` (nginx directives: `location` blocks
    /// and any other `server` directives) inside its one `server` block and `http_extra` in the
    /// `http` block. Waits until it accepts connections.
    pub fn start(listen: Listen, locations: &str, http_extra: &str) -> Nginx {
        let exe = nginx_exe();
        let dir = tempfile::tempdir().expect("temp dir for nginx");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let root = dir.path();
        let listen_line = match listen {
            Listen::Http1 => format!("listen 127.0.0.1:{port};"),
            Listen::H2c => format!("listen 127.0.0.1:{port} http2;"),
            Listen::Tls => {
                let certs = test_certificates();
                std::fs::write(root.join("ca.pem"), certs.ca_pem).expect("write CA");
                std::fs::write(root.join("server.pem"), certs.leaf_pem).expect("write certificate");
                std::fs::write(root.join("server.key"), certs.key_pem).expect("write key");
                format!(
                    "listen 127.0.0.1:{port} ssl http2;\n        ssl_certificate {0}/server.pem;\n        ssl_certificate_key {0}/server.key;",
                    root.display()
                )
            }
        };
        let r = root.display();
        let conf = format!(
            r#"worker_processes 1;
pid {r}/nginx.pid;
error_log {r}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    default_type text/plain;
    log_format stampede '$server_protocol $connection $status $request_uri';
    access_log {r}/access.log stampede;
    client_body_temp_path {r}/client_body;
    proxy_temp_path {r}/proxy;
    fastcgi_temp_path {r}/fastcgi;
    uwsgi_temp_path {r}/uwsgi;
    scgi_temp_path {r}/scgi;
    {http_extra}
    server {{
        {listen_line}
        {locations}
    }}
}}
"#
        );
        let conf_path = root.join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let child = Command::new(&exe)
            .arg("-p")
            .arg(root)
            .arg("-e")
            .arg(root.join("error.log"))
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        let mut nginx = Nginx {
            port,
            listen,
            dir,
            child,
        };
        nginx.wait_ready();
        nginx
    }

    /// Waits (at most 10 s) for nginx to accept connections; panics with its error log if it
    /// exited or never listened.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "nginx exited ({status}) at start:\n{}",
                    self.read("error.log")
                );
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "nginx did not listen on 127.0.0.1:{} within 10 s:\n{}",
            self.port,
            self.read("error.log")
        );
    }

    /// The base URL: `http://127.0.0.1:PORT` or `https://...`.
    pub fn url(&self) -> String {
        let scheme = if self.listen == Listen::Tls {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The PEM file of the CA that signed the TLS certificate (for `[target] ca_file`).
    pub fn ca_file(&self) -> PathBuf {
        assert_eq!(self.listen, Listen::Tls, "only a TLS nginx has a CA");
        self.dir.path().join("ca.pem")
    }

    /// The temporary directory nginx runs in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// The access log so far, one `(protocol, connection, status, uri)` per request.
    pub fn requests(&self) -> Vec<(String, u64, u16, String)> {
        self.read("access.log")
            .lines()
            .filter_map(|line| {
                let mut parts = line.splitn(4, ' ');
                Some((
                    parts.next()?.to_string(),
                    parts.next()?.parse().ok()?,
                    parts.next()?.parse().ok()?,
                    parts.next()?.to_string(),
                ))
            })
            .collect()
    }

    /// Empties the access log (between runs against one nginx).
    pub fn clear_log(&self) {
        std::fs::write(self.dir.path().join("access.log"), "").expect("truncate access.log");
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM, then wait: nginx stops its worker too.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
