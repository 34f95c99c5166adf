//! Recorders: per-endpoint HDR histograms, per-second windows, cache counters, resource samples.
