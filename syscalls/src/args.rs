//! Typed syscall arguments, rustix-style: each kind knows its wasm type and how
//! `--strace` should show it. Handlers receive these, never bare integers.

/// How an argument is decoded for `--strace` and checked by the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Fd,
    DirFd,
    Path,
    Ptr,
    Buf,
    OutBuf,
    Len,
    Int,
    UInt,
    Off,
    U64,
    Mode,
    Pid,
    Sig,
    OpenFlags,
    AtFlags,
    Prot,
    MapFlags,
    SockAddr,
    OutSockAddr,
    EpollEvent,
    OutEpollEvents,
}

/// The wasm value type of an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WasmTy {
    I32,
    I64,
}

pub trait Arg {
    type Wasm: wasmtime::WasmTy;
    const KIND: Kind;
    const TY: WasmTy;
    fn from_wasm(v: Self::Wasm) -> Self;
    /// Refuse a value no handler may see. Descriptors: the runtime's own numbers are
    /// closed ones to the guest (`runtime_fds`), checked here so no handler can forget.
    #[inline(always)]
    fn check(&self) -> Result<(), crate::errno::Errno> {
        Ok(())
    }
}

macro_rules! arg32 {
    ($($(#[$m:meta])* $name:ident($t:ty) = $kind:ident;)*) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name(pub $t);
        impl Arg for $name {
            type Wasm = i32;
            const KIND: Kind = Kind::$kind;
            const TY: WasmTy = WasmTy::I32;
            #[inline(always)]
            fn from_wasm(v: i32) -> Self { $name(v as $t) }
        }
    )*};
}

macro_rules! fd_arg {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name(pub i32);
        impl Arg for $name {
            type Wasm = i32;
            const KIND: Kind = Kind::$name;
            const TY: WasmTy = WasmTy::I32;
            #[inline(always)]
            fn from_wasm(v: i32) -> Self { $name(v) }
            #[inline(always)]
            fn check(&self) -> Result<(), crate::errno::Errno> {
                if crate::runtime_fds::is_runtime(self.0) {
                    std::hint::cold_path();
                    return Err(crate::errno::EBADF);
                }
                Ok(())
            }
        }
    )*};
}

fd_arg! {
    /// A file descriptor.
    Fd;
    /// A directory fd for the `*at` calls; `AT_FDCWD` (-100) allowed.
    DirFd;
}

arg32! {
    /// A guest pointer to a NUL-terminated path.
    Path(u32) = Path;
    /// A guest pointer (0 is NULL).
    Ptr(u32) = Ptr;
    /// Bytes the call reads; the next argument is their length.
    Buf(u32) = Buf;
    /// Bytes the call fills; the result is their length.
    OutBuf(u32) = OutBuf;
    /// A byte count (`size_t`, 32-bit in the guest).
    Len(u32) = Len;
    /// A plain signed int.
    Int(i32) = Int;
    /// A plain unsigned int.
    UInt(u32) = UInt;
    /// A file mode.
    Mode(u32) = Mode;
    /// A process or thread id.
    Pid(i32) = Pid;
    /// A signal number.
    Sig(i32) = Sig;
    /// `O_*` flags.
    OpenFlags(i32) = OpenFlags;
    /// `AT_*` flags.
    AtFlags(i32) = AtFlags;
    /// `PROT_*` flags.
    Prot(i32) = Prot;
    /// `MAP_*` flags.
    MapFlags(i32) = MapFlags;
    /// A socket address the call reads; the next argument is its length.
    SockAddr(u32) = SockAddr;
    /// A socket address the call fills; the next argument points at its length.
    OutSockAddr(u32) = OutSockAddr;
    /// One `epoll_event` the call reads.
    EpollEvent(u32) = EpollEvent;
    /// `epoll_event`s the call fills; the result is their count.
    OutEpollEvents(u32) = OutEpollEvents;
}

/// A 64-bit file offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Off(pub i64);
impl Arg for Off {
    type Wasm = i64;
    const KIND: Kind = Kind::Off;
    const TY: WasmTy = WasmTy::I64;
    #[inline(always)]
    fn from_wasm(v: i64) -> Self {
        Off(v)
    }
}

/// A 64-bit unsigned value (`unsigned long` in the ABI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct U64(pub u64);
impl Arg for U64 {
    type Wasm = i64;
    const KIND: Kind = Kind::U64;
    const TY: WasmTy = WasmTy::I64;
    #[inline(always)]
    fn from_wasm(v: i64) -> Self {
        U64(v as u64)
    }
}
