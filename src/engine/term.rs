//! Writing to the terminal from threads other than the main one. The CLI holds the stdout and
//! stderr locks for the whole command (`cli::run`), so `eprintln!` from a tokio worker or from the
//! Ctrl-C handler's thread would block forever; these write to the file descriptors directly
//! (stderr is unbuffered anyway, so nothing is reordered).

use std::io::Write;

/// Writes one line to stderr without taking std's stderr lock.
pub fn stderr_line(text: &str) {
    let mut line = String::with_capacity(text.len() + 1);
    line.push_str(text);
    line.push('\n');
    #[cfg(unix)]
    {
        use std::os::fd::FromRawFd;
        // SAFETY: fd 2 is open for the life of the process; ManuallyDrop keeps us from closing it.
        let mut file = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(2) });
        let _ = file.write_all(line.as_bytes());
    }
    #[cfg(not(unix))]
    {
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
}

/// While alive, the process's stdout goes to /dev/null: goose prints "N users launched." on
/// stdout whatever its quiet setting, and a run's stdout must hold only Stampede's own summary. Our own
/// stdout (the summary) is written after the load, when this is dropped.
pub struct SilencedStdout {
    #[cfg(unix)]
    saved: Option<i32>,
}

impl SilencedStdout {
    pub fn new() -> SilencedStdout {
        let _ = std::io::stdout().flush();
        #[cfg(unix)]
        {
            // SAFETY: plain descriptor juggling on fds we own; failures leave stdout as it was.
            unsafe {
                let saved = libc::dup(1);
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
                if saved >= 0 && null >= 0 && libc::dup2(null, 1) >= 0 {
                    libc::close(null);
                    return SilencedStdout { saved: Some(saved) };
                }
                if null >= 0 {
                    libc::close(null);
                }
                if saved >= 0 {
                    libc::close(saved);
                }
            }
            SilencedStdout { saved: None }
        }
        #[cfg(not(unix))]
        SilencedStdout {}
    }
}

impl Default for SilencedStdout {
    fn default() -> Self {
        SilencedStdout::new()
    }
}

impl Drop for SilencedStdout {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = self.saved.take() {
            // SAFETY: restores the descriptor saved in `new`.
            unsafe {
                libc::dup2(saved, 1);
                libc::close(saved);
            }
        }
    }
}
