//! Live progress: indicatif bars on a terminal, plain periodic lines otherwise.
