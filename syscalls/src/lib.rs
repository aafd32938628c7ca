//! The WALI syscall layer of wali-run: the syscall table, its Linux handlers, and the
//! host state they act on. It knows nothing of the command line; the engine layer
//! creates a [`Process`], a [`Ctx`] per thread, and calls [`add_to_linker`].
//!
//! Files sit in layers, each reaching only its own and the ones below (tests/layers.rs
//! checks it): base (`errno`, `runtime_fds`, `tracer`), memory (`mem`, `mmap`), rules
//! (`policy`, `sandbox`, `limits`), context (`ctx`: read it first), arguments (`args`,
//! `host`, `reach`), the handlers by topic, and on top the table (`syscalls`, `table`,
//! `trace`, `aux`). What the context needs from above comes in as data: the engine
//! passes a new thread's mask, the tracer's output is `tracer`, its decoding `trace`.

#[macro_use]
mod host;
#[macro_use]
pub mod table;

pub mod args;
pub mod aux;
pub mod ctx;
pub mod deliver;
pub mod errno;
pub mod limits;
pub mod mem;
pub mod mmap;
pub mod policy;
mod reach;
pub mod runtime_fds;
pub mod signal;
pub mod syscalls;
pub mod trace;
pub mod tracer;
pub mod vfs;

mod fs;
pub mod ipc;
mod memory;
mod net;
mod poll;
pub mod process;
mod sched;
mod system;
pub mod thread;
mod time;

pub use ctx::{Ctx, Exit, Process, ProcessConfig, Spawner};
pub use mem::GuestMem;
pub use syscalls::SYSCALLS;
pub use table::{Category, Level, Syscall};
pub use tracer::Tracer;
/// The sandbox's file system, where the engine layer finds it (`sandbox::MountSpec`).
pub use vfs::sandbox;

/// Define every `wali` import (syscalls and auxiliary calls) in `linker`.
pub fn add_to_linker(linker: &mut wasmtime::Linker<Ctx>) -> wasmtime::Result<()> {
    add_to_linker_dropping(linker, &[])
}

/// As [`add_to_linker`], with the imports named in `dropped` (`SYS_exit`) defined
/// without their result: the module declared them so (the reference suite's
/// `void wali_syscall_exit(int)`), and the host discards the answer. The engine's
/// import check decides which imports those are; the others keep the ABI's signature.
pub fn add_to_linker_dropping(
    linker: &mut wasmtime::Linker<Ctx>,
    dropped: &[String],
) -> wasmtime::Result<()> {
    let is_dropped = |name: &str| dropped.iter().any(|d| d == name);
    syscalls::register(linker, &is_dropped)?;
    aux::register(linker, &is_dropped)?;
    Ok(())
}

/// Look up a syscall by import name (`SYS_read`).
pub fn by_import(import: &str) -> Option<&'static Syscall> {
    let name = import.strip_prefix("SYS_")?;
    SYSCALLS.iter().find(|s| s.name == name)
}
