//! Spawns a private `redis-server` on a free loopback port, for tests and the bundled target.
