//! The `saleshub` command line (also reachable as `stampede saleshub ...`): `serve` and `seed`. Parses
//! flags into a [`ServerConfig`]; nothing else in the crate sees clap.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::cache::CacheConfig;
use crate::faults::FaultConfig;
use crate::seed::SeedConfig;
use crate::server::{self, CacheChoice, SeedMode, Server, ServerConfig};
use crate::throttle::ThrottleConfig;
use crate::transport::{HttpConfig, TlsFiles};

/// SalesHub: the reference CRM server bundled with Stampede.
#[derive(Debug, Parser)]
#[command(name = "saleshub", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The same commands, for embedding in another CLI (`stampede saleshub ...`).
#[derive(Debug, Args)]
pub struct SaleshubArgs {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size of the `serve` variant costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the CRM API (seeding first with --seed).
    Serve(ServeArgs),
    /// Build the database and search index from the seed configuration, then exit.
    Seed(SeedArgs),
}

#[derive(Debug, Args)]
pub struct DataArgs {
    /// Directory holding the database (saleshub.db) and the search index (search/).
    #[arg(long, default_value = ".data/saleshub", value_name = "DIR")]
    pub data_dir: PathBuf,
    /// Seed sizes and RNG seed (TOML); without it, fixtures/seed.toml when present, else built-in
    /// defaults (2k companies, 20k contacts, 10k deals, 10k leads, 50k activities).
    #[arg(long, value_name = "FILE")]
    pub seed_config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub data: DataArgs,
    /// Seed the database when it is empty.
    #[arg(long)]
    pub seed: bool,
    /// Delete the database and index, then seed them again.
    #[arg(long, conflicts_with = "seed")]
    pub reseed: bool,
    /// Cache backend.
    #[arg(long, value_enum, default_value_t = CacheChoice::Auto)]
    pub cache: CacheChoice,
    /// Redis to use (default: redis://127.0.0.1:6379 when reachable, else a private redis-server).
    #[arg(long, value_name = "URL")]
    pub redis_url: Option<String>,
    /// Pooled SQLite connections.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub pool_size: u32,
    /// Fault knob: added to every /api request (e.g. 5ms).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub inject_delay: Option<Duration>,
    /// Fault knob: apply --inject-delay only to paths starting with this prefix (e.g. /api/search).
    #[arg(long, value_name = "PREFIX", requires = "inject_delay", value_parser = parse_path_prefix)]
    pub inject_delay_path: Option<String>,
    /// Fault knob: fraction of /api requests answered with a 500 (0..1).
    #[arg(long, value_name = "FRACTION", value_parser = parse_fraction)]
    pub inject_error_rate: Option<f64>,
    /// Fault knob: pause the whole API periodically (with --stall-for).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, requires = "stall_for")]
    pub stall_every: Option<Duration>,
    /// Fault knob: how long each stall lasts.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, requires = "stall_every")]
    pub stall_for: Option<Duration>,
    /// Fault knob: added to every database load behind a cache miss (a slow database).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub inject_db_delay: Option<Duration>,
    /// Failed sign-ins of one account per window before it is refused with 429 (an address the
    /// account signed in from within a day is exempt).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_max_failures_per_account: u32,
    /// Failed sign-ins from one client address per window before it is refused with 429.
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_max_failures_per_address: u32,
    /// The window of the failed sign-in limits; it starts at the first failure.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = humantime::parse_duration)]
    pub login_throttle_window: Duration,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Close a connection whose first request has not begun this long after the accept (TLS
    /// handshake included), and an HTTP/1 connection whose next request head has not arrived whole
    /// this long after the server began to wait for it (so also an idle HTTP/1 keep-alive one).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    pub header_timeout: Duration,
    /// Answer 408 (and on HTTP/1 close the connection) when a request body has not arrived whole
    /// this long after its head.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    pub body_timeout: Duration,
    /// Close a connection that has had no request in flight for this long.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_timeout)]
    pub idle_timeout: Duration,
    /// Compress responses over 1 KiB with gzip, br or zstd, as the client's Accept-Encoding asks.
    #[arg(long, value_enum, default_value_t = Switch::On)]
    pub compression: Switch,
    /// Serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with this PEM certificate chain (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

/// A feature that is on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Replace an existing database and index.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

fn parse_path_prefix(text: &str) -> Result<String, String> {
    if text.starts_with('/') {
        Ok(text.to_string())
    } else {
        Err(format!(
            "'{text}': expected a path prefix starting with /, e.g. /api/search"
        ))
    }
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        Ok(_) => Err("a timeout must be longer than 0 (e.g. 10s)".into()),
        Err(error) => Err(format!("'{text}': {error} (e.g. 10s, 1m, 500ms)")),
    }
}

fn parse_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!(
            "expected a fraction from 0 to 1 (e.g. 0.01), got `{text}`"
        )),
    }
}

impl DataArgs {
    fn seed_config(&self) -> anyhow::Result<SeedConfig> {
        let default = PathBuf::from("fixtures/seed.toml");
        let path = match &self.seed_config {
            Some(path) => path.clone(),
            None if default.exists() => default,
            None => return Ok(SeedConfig::default()),
        };
        SeedConfig::load(&path)
            .with_context(|| format!("reading the seed configuration '{}'", path.display()))
    }
}

impl ServeArgs {
    /// The validated server configuration.
    pub fn config(&self) -> anyhow::Result<ServerConfig> {
        Ok(ServerConfig {
            addr: self.addr,
            data_dir: self.data.data_dir.clone(),
            seed: if self.reseed {
                SeedMode::Fresh
            } else if self.seed {
                SeedMode::IfEmpty
            } else {
                SeedMode::Never
            },
            seed_config: self.data.seed_config()?,
            cache: self.cache,
            redis_url: self.redis_url.clone(),
            cache_config: CacheConfig::default(),
            faults: FaultConfig {
                delay: self.inject_delay.unwrap_or_default(),
                delay_path: self.inject_delay_path.clone(),
                error_rate: self.inject_error_rate.unwrap_or(0.0),
                stall_every: self.stall_every,
                stall_for: self.stall_for.unwrap_or_default(),
                db_delay: self.inject_db_delay.unwrap_or_default(),
            },
            pool_size: self.pool_size,
            login_throttle: ThrottleConfig {
                per_account: self.login_max_failures_per_account,
                per_address: self.login_max_failures_per_address,
                window: self.login_throttle_window,
            },
            http: HttpConfig {
                header_timeout: self.header_timeout,
                body_timeout: self.body_timeout,
                idle_timeout: self.idle_timeout,
                compression: self.compression == Switch::On,
                tls: match (&self.tls_cert, &self.tls_key) {
                    (Some(cert), Some(key)) => Some(TlsFiles {
                        cert: cert.clone(),
                        key: key.clone(),
                    }),
                    _ => None,
                },
            },
        })
    }
}

/// Runs a parsed command line; the exit code is 0 on a clean stop, 1 on an error (printed).
pub fn run(cli: Cli) -> ExitCode {
    if run_command(cli.command) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs one command; false when it failed (the error is printed).
pub fn run_command(command: Command) -> bool {
    let log_format = match &command {
        Command::Serve(args) => args.log_format,
        Command::Seed(_) => LogFormat::Text,
    };
    init_logging(log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("saleshub: cannot start the async runtime: {error}");
            return false;
        }
    };
    match runtime.block_on(dispatch(command)) {
        Ok(()) => true,
        Err(error) => {
            eprintln!("saleshub: error: {error:#}");
            false
        }
    }
}

async fn dispatch(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(args).await,
        Command::Seed(args) => {
            let config = ServerConfig {
                seed: if args.force {
                    SeedMode::Fresh
                } else {
                    SeedMode::IfEmpty
                },
                seed_config: args.data.seed_config()?,
                ..ServeArgs::default_config(args.data.data_dir.clone())
            };
            server::prepare_data(&config).await?;
            Ok(())
        }
    }
}

impl ServeArgs {
    fn default_config(data_dir: PathBuf) -> ServerConfig {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            seed: SeedMode::Never,
            seed_config: SeedConfig::default(),
            cache: CacheChoice::Off,
            redis_url: None,
            cache_config: CacheConfig::default(),
            faults: FaultConfig::default(),
            pool_size: 4,
            login_throttle: ThrottleConfig::default(),
            http: HttpConfig::default(),
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    let server = Server::start(config).await?;
    eprintln!("saleshub: {}", server.cache_note);
    eprintln!("saleshub: serving {}", server.protocols());
    // The launcher in `stampede` reads this line to learn the address; keep its shape.
    println!("SalesHub listening on {}", server.url());
    eprintln!(
        "saleshub: try `curl -s -X POST http://{}/api/auth/login -H 'content-type: application/json' \
         -d '{{\"email\":\"admin@saleshub.test\",\"password\":\"<from fixtures/users.csv>\"}}'`; Ctrl-C stops",
        server.addr
    );
    server.run(server::shutdown_signal()).await
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT};

    #[test]
    fn serve_defaults_are_the_documented_ones() {
        let cli = Cli::try_parse_from(["saleshub", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve parses as Serve");
        };
        let http = args.config().unwrap().http;
        assert_eq!(http.header_timeout, DEFAULT_HEADER_TIMEOUT);
        assert_eq!(http.body_timeout, DEFAULT_BODY_TIMEOUT);
        assert_eq!(http.idle_timeout, DEFAULT_IDLE_TIMEOUT);
        assert_eq!(http, HttpConfig::default());
    }

    #[test]
    fn transport_flags_are_validated() {
        let parse = |args: &[&str]| Cli::try_parse_from(["saleshub", "serve"].iter().chain(args));
        assert!(parse(&["--header-timeout", "0s"]).is_err());
        assert!(parse(&["--idle-timeout", "soon"]).is_err());
        assert!(
            parse(&["--tls-cert", "cert.pem"]).is_err(),
            "--tls-cert needs --tls-key"
        );
        let cli = parse(&["--compression", "off", "--body-timeout", "2s"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve parses as Serve");
        };
        let http = args.config().unwrap().http;
        assert!(!http.compression);
        assert_eq!(http.body_timeout, Duration::from_secs(2));
    }
}
