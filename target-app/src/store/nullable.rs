//! Patch fields that can be cleared: `Option<Option<T>>` where an absent key is `None` (leave it
//! alone) and an explicit JSON `null` is `Some(None)` (clear it). Use with
//! `#[serde(default, deserialize_with = "nullable::deserialize")]`.

use serde::{Deserialize, Deserializer};

/// Deserializes a present field (possibly `null`) as `Some(value)`.
pub fn deserialize<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
