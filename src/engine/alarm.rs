//! A timer precise to the microsecond for the open model's arrivals. Tokio's timers tick in whole
//! milliseconds and round a deadline up to the next tick, so an arrival woken by one goes out
//! 0–1 ms late (about 1.1 ms at the median, measured here), and since the open model's latency is
//! timed from the intended start, every request of a fast target looked a millisecond slower
//! than it was. On Linux an [`Alarm`] is a `timerfd` on CLOCK_MONOTONIC (the clock of
//! [`Instant`]) registered with the runtime's reactor, so the lane still sleeps in `epoll_wait`
//! with its sockets and wakes at the arrival's time (the thread's timer slack is set to none);
//! elsewhere it falls back to tokio's sleep.

#[cfg(target_os = "linux")]
pub use linux::Alarm;

#[cfg(not(target_os = "linux"))]
pub use portable::Alarm;

#[cfg(target_os = "linux")]
mod linux {
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::time::{Duration, Instant};

    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;

    /// A one-shot alarm, re-armed with [`Alarm::set`].
    pub struct Alarm {
        fd: AsyncFd<OwnedFd>,
        armed: Option<Instant>,
    }

    impl Alarm {
        /// A disarmed alarm; needs a tokio runtime with IO enabled.
        pub fn new() -> io::Result<Alarm> {
            // The kernel may defer a timer of this thread by its "timer slack" (50 µs by default)
            // to batch wake-ups: 1 ns asks for none. Best effort: a failure only costs precision.
            // SAFETY: PR_SET_TIMERSLACK takes one integer argument and touches no memory of ours.
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong) };
            // SAFETY: timerfd_create has no memory effects; the result is checked before use.
            let raw = unsafe {
                libc::timerfd_create(
                    libc::CLOCK_MONOTONIC,
                    libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
                )
            };
            if raw < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `raw` is a new descriptor owned by nobody else.
            let fd = unsafe { OwnedFd::from_raw_fd(raw) };
            // SAFETY: `fd` is valid and open, owned by the AsyncFd until it is dropped, and an
            // OwnedFd always returns the same descriptor.
            let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }?;
            Ok(Alarm { fd, armed: None })
        }

        /// Arms the alarm to go off between `earliest` and `latest`: a setting already in that
        /// window is kept (no system call), otherwise it is moved to `latest`. A lane that re-arms
        /// on every pass at a high rate thus makes one `timerfd_settime` per alarm, not per pass.
        pub fn set_within(&mut self, earliest: Instant, latest: Instant) -> io::Result<()> {
            match self.armed {
                Some(at) if earliest <= at && at <= latest => Ok(()),
                _ => self.set(latest),
            }
        }

        /// Arms the alarm for `at` (at once when `at` has passed), replacing any earlier setting.
        pub fn set(&mut self, at: Instant) -> io::Result<()> {
            if self.armed == Some(at) {
                return Ok(());
            }
            let wait = at.saturating_duration_since(Instant::now());
            // A relative setting: CLOCK_MONOTONIC is Instant's clock, but an Instant's raw value
            // is not readable. Zero would disarm: the shortest wait is 1 ns.
            let wait = wait.max(Duration::from_nanos(1));
            let spec = libc::itimerspec {
                it_interval: libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                },
                it_value: libc::timespec {
                    tv_sec: wait.as_secs() as libc::time_t,
                    tv_nsec: wait.subsec_nanos() as libc::c_long,
                },
            };
            // SAFETY: valid descriptor and a valid itimerspec; the old value is not asked for.
            let rc = unsafe {
                libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut())
            };
            if rc < 0 {
                return Err(io::Error::last_os_error());
            }
            self.armed = Some(at);
            Ok(())
        }

        /// Waits until the alarm set last goes off (forever when it was never set).
        pub async fn wait(&mut self) -> io::Result<()> {
            loop {
                let mut ready = self.fd.readable().await?;
                let mut expirations = [0u8; 8];
                // SAFETY: reading 8 bytes into an 8-byte buffer from our own descriptor.
                let n = unsafe {
                    libc::read(
                        ready.get_inner().as_raw_fd(),
                        expirations.as_mut_ptr().cast(),
                        expirations.len(),
                    )
                };
                if n == 8 {
                    // Read: the timer is not readable again until it is re-armed and goes off
                    // (edge-triggered), so the next wait need not try a read to learn that.
                    ready.clear_ready();
                    self.armed = None;
                    return Ok(());
                }
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::WouldBlock {
                    return Err(e);
                }
                ready.clear_ready();
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod portable {
    use std::io;
    use std::time::Instant;

    /// A one-shot alarm on tokio's (millisecond) timer.
    pub struct Alarm {
        at: Option<Instant>,
    }

    impl Alarm {
        pub fn new() -> io::Result<Alarm> {
            Ok(Alarm { at: None })
        }

        pub fn set(&mut self, at: Instant) -> io::Result<()> {
            self.at = Some(at);
            Ok(())
        }

        pub fn set_within(&mut self, earliest: Instant, latest: Instant) -> io::Result<()> {
            match self.at {
                Some(at) if earliest <= at && at <= latest => Ok(()),
                _ => self.set(latest),
            }
        }

        pub async fn wait(&mut self) -> io::Result<()> {
            match self.at.take() {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[tokio::test(flavor = "current_thread")]
    async fn goes_off_after_its_deadline_and_can_be_moved() {
        let mut alarm = Alarm::new().expect("timerfd");
        let start = Instant::now();
        alarm.set(start + Duration::from_secs(3600)).unwrap();
        // Moved earlier: the new setting wins.
        alarm.set(start + Duration::from_millis(5)).unwrap();
        alarm.wait().await.unwrap();
        assert!(start.elapsed() >= Duration::from_millis(5));
        assert!(start.elapsed() < Duration::from_secs(60));
        // A deadline in the past goes off at once.
        alarm.set(start).unwrap();
        alarm.wait().await.unwrap();
        // Never early (the setting is relative to the monotonic clock Instant reads).
        for _ in 0..20 {
            let at = Instant::now() + Duration::from_micros(300);
            alarm.set(at).unwrap();
            alarm.wait().await.unwrap();
            assert!(Instant::now() >= at);
        }
    }
}
