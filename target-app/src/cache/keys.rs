//! Cache key layout, in one place so the Redis and memory backends agree and the layout can be
//! documented once:
//!
//! - `{prefix}:gen:{group}`: the generation of an invalidation group (e.g. `contacts:42`), bumped by
//!   every write that touches the group;
//! - `{prefix}:v:{namespace}:{key}#{g1}.{g2}...`: a value, versioned by the generations of its groups
//!   (in the order the caller listed them). Generations are digits only, so the last `#` always
//!   separates the caller's key from them, whatever the key contains;
//! - `{prefix}:session:{token_hash}`: a session.
//!
//! For Redis the prefix is `saleshub:{epoch}`; the epoch is random per process and re-drawn after
//! invalidations were lost, which makes every older key unreachable at once.

use super::namespace::Namespace;
use rand::Rng;

/// The Redis key prefix of `epoch`.
pub(crate) fn redis_prefix(epoch: &str) -> String {
    format!("saleshub:{epoch}")
}

/// A fresh random epoch (16 hex digits).
pub(crate) fn new_epoch() -> String {
    format!("{:016x}", rand::rng().random::<u64>())
}

/// The key holding the generation of `group`.
pub(crate) fn generation_key(prefix: &str, group: &str) -> String {
    format!("{prefix}:gen:{group}")
}

/// The part of a value key before its generations.
pub(crate) fn value_base(prefix: &str, ns: Namespace, key: &str) -> String {
    format!("{prefix}:v:{}:{key}#", ns.as_str())
}

/// A value key: `base` followed by the generations, dot-separated.
pub(crate) fn versioned<G: std::fmt::Display>(base: &str, generations: &[G]) -> String {
    let mut out = String::with_capacity(base.len() + generations.len() * 17);
    out.push_str(base);
    for (i, generation) in generations.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(&generation.to_string());
    }
    out
}

/// The key of a session.
pub(crate) fn session_key(prefix: &str, token_hash: &str) -> String {
    format!("{prefix}:session:{token_hash}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let prefix = redis_prefix("00ff");
        assert_eq!(
            generation_key(&prefix, "contacts:42"),
            "saleshub:00ff:gen:contacts:42"
        );
        let base = value_base(&prefix, Namespace::Records, "contacts/42?u=1");
        assert_eq!(
            versioned(&base, &[7u64, 9]),
            "saleshub:00ff:v:records:contacts/42?u=1#7.9"
        );
        assert_eq!(versioned(&base, &[] as &[u64]), base);
        assert_eq!(session_key(&prefix, "ab"), "saleshub:00ff:session:ab");
    }

    #[test]
    fn keys_with_hashes_do_not_collide() {
        let a = versioned(&value_base("p", Namespace::Lists, "x#5"), &[] as &[u64]);
        let b = versioned(&value_base("p", Namespace::Lists, "x"), &[5u64]);
        assert_ne!(a, b);
    }

    #[test]
    fn epochs_differ() {
        assert_ne!(new_epoch(), new_epoch());
        assert_eq!(new_epoch().len(), 16);
    }
}
