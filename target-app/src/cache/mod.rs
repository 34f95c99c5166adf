//! Cache-aside layer: Redis, in-memory or off, with generations, single-flight and a breaker.
