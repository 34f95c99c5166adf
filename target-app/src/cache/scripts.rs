//! The Lua scripts the Redis backend runs, so that reading a value together with the generations it
//! depends on, and bumping generations, are each one atomic round trip.
//!
//! A missing generation (never set, expired, or evicted by `allkeys-lru`) is created from the server
//! clock in microseconds, not from 0: a re-created generation is then always far above any value it
//! had before (that would take a million invalidations per second), so a value stored under an old
//! generation can never become reachable again. Generation keys get a TTL so that keys of old epochs
//! do not accumulate; when one expires, its group simply starts cold.
//!
//! Both scripts write after reading `TIME`, which Redis before 5.0 only allows with effects replication
//! (`redis.replicate_commands()`, a deprecated no-op since 7.0, hence the guard).
//!
//! Both scripts build value keys inside Lua, which a single Redis server allows (Redis Cluster would
//! not); SalesHub uses a single server.

use redis::Script;

/// KEYS: the generation keys. ARGV[1]: the value key without generations; ARGV[2]: the TTL (ms) of
/// a generation key it has to create. Returns `{versioned key, value or nil}`.
const READ: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local now = nil
local gens = {}
for i, key in ipairs(KEYS) do
  local gen = redis.call('GET', key)
  if not gen then
    if not now then
      local t = redis.call('TIME')
      now = t[1] .. string.format('%06d', tonumber(t[2]))
    end
    redis.call('SET', key, now, 'PX', ARGV[2])
    gen = now
  end
  gens[i] = gen
end
local vkey = ARGV[1] .. table.concat(gens, '.')
return {vkey, redis.call('GET', vkey)}
";

/// KEYS: the generation keys to bump. ARGV[1]: the TTL (ms) of a generation key it has to create.
const INVALIDATE: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local now = nil
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('INCR', key)
  else
    if not now then
      local t = redis.call('TIME')
      now = t[1] .. string.format('%06d', tonumber(t[2]))
    end
    redis.call('SET', key, now, 'PX', ARGV[1])
  end
end
return #KEYS
";

/// The two scripts, hashed once.
#[derive(Debug)]
pub(crate) struct Scripts {
    /// See [`READ`].
    pub(crate) read: Script,
    /// See [`INVALIDATE`].
    pub(crate) invalidate: Script,
}

impl Scripts {
    pub(crate) fn new() -> Scripts {
        Scripts {
            read: Script::new(READ),
            invalidate: Script::new(INVALIDATE),
        }
    }
}
