//! The WALI syscall layer of wali-run: the syscall table, its Linux handlers, and the
//! host state they act on. It knows nothing of the command line; the engine layer
//! creates a [`Process`], a [`Ctx`] per thread, and calls [`add_to_linker`].

#[macro_use]
mod host;
#[macro_use]
pub mod table;

pub mod args;
pub mod aux;
pub mod ctx;
pub mod deliver;
pub mod errno;
pub mod mem;
pub mod mmap;
pub mod policy;
pub mod runtime_fds;
pub mod sandbox;
pub mod signal;
pub mod syscalls;
pub mod trace;

mod fs;
mod memory;
mod more;
mod net;
mod poll;
pub mod process;
mod system;
mod thread;
mod time;

pub use ctx::{Ctx, Exit, Process, ProcessConfig, Spawner};
pub use mem::GuestMem;
pub use syscalls::SYSCALLS;
pub use table::{Category, Level, Syscall};
pub use trace::Tracer;

/// Define every `wali` import (syscalls and auxiliary calls) in `linker`.
pub fn add_to_linker(linker: &mut wasmtime::Linker<Ctx>) -> wasmtime::Result<()> {
    syscalls::register(linker)?;
    aux::register(linker)?;
    Ok(())
}

/// Look up a syscall by import name (`SYS_read`).
pub fn by_import(import: &str) -> Option<&'static Syscall> {
    let name = import.strip_prefix("SYS_")?;
    SYSCALLS.iter().find(|s| s.name == name)
}
