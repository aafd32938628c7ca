//! wali-run: run Linux programs compiled to WebAssembly against the WALI syscall interface.
//! A library so that the containerd shim (shim/) runs the very code the binary does.

#[path = "box/mod.rs"]
mod boxes;
// The command line stays in main.rs (its old home as the binary) so that changes made
// to it on other branches merge without a rename.
#[path = "main.rs"]
mod cli;
mod engine;
mod manifest;
mod policy;
mod rewrite;
mod run;

pub use cli::cli_main;
