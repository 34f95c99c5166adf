//! STAND-INS for the parts being built in parallel, imitating the interfaces of the engine spec
//! (`/work/spec/engine.md`) so that this branch compiles and its end-to-end tests run. Everything
//! here is replaced at the merge: [`req`] by the request path (`src/engine/`), [`rec`] by the
//! recorder and results (`src/metrics/`, `src/results/`, `src/report/terminal.rs`, `src/ui/`).
//! Only `crate::run::api` imports from here.

pub mod req;
