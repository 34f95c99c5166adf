//! Command-line definitions (clap) and their translation into validated settings. Nothing below this
//! module imports clap.
