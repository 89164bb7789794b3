//! Tools for measuring the portal, kept out of the production binary: the
//! large data set and the benchmarks, run by the `portal-tools` binary (built
//! with the `tools` feature; see the README's Benchmarks).

mod bare_smtp;
pub mod bench;
pub mod bench_activation;
pub mod bench_contacts;
pub mod large_data;
