//! Linux errno values as the guest sees them (x86-64 numbering, which WALI keeps).

/// A Linux errno. Handlers return `Err(Errno)`; the import answers `-errno`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident = $v:literal, $msg:literal;)*) => {
        $(pub const $name: Errno = Errno($v);)*
        /// The symbolic name (`ENOENT`) of an errno value, for `--strace`.
        pub fn name(e: i32) -> Option<&'static str> {
            match e { $($v => Some(stringify!($name)),)* _ => None }
        }
        /// The strerror text, as musl words it, for `--strace`.
        pub fn message(e: i32) -> &'static str {
            match e { $($v => $msg,)* _ => "Unknown error" }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "I/O error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    ENOEXEC = 8, "Exec format error";
    EBADF = 9, "Bad file descriptor";
    ECHILD = 10, "No child process";
    EAGAIN = 11, "Resource temporarily unavailable";
    ENOMEM = 12, "Out of memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    EBUSY = 16, "Resource busy";
    EEXIST = 17, "File exists";
    EXDEV = 18, "Cross-device link";
    ENODEV = 19, "No such device";
    ENOTDIR = 20, "Not a directory";
    EISDIR = 21, "Is a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "Too many open files in system";
    EMFILE = 24, "No file descriptors available";
    ENOTTY = 25, "Not a tty";
    EFBIG = 27, "File too large";
    ENOSPC = 28, "No space left on device";
    ESPIPE = 29, "Invalid seek";
    EROFS = 30, "Read-only file system";
    EMLINK = 31, "Too many links";
    EPIPE = 32, "Broken pipe";
    ERANGE = 34, "Result not representable";
    EDEADLK = 35, "Resource deadlock would occur";
    ENAMETOOLONG = 36, "Filename too long";
    ENOLCK = 37, "No locks available";
    ENOSYS = 38, "Function not implemented";
    ENOTEMPTY = 39, "Directory not empty";
    ELOOP = 40, "Symbolic link loop";
    ENODATA = 61, "No data available";
    ETIME = 62, "Device timeout";
    EOVERFLOW = 75, "Value too large for data type";
    ENOTSOCK = 88, "Not a socket";
    EDESTADDRREQ = 89, "Destination address required";
    EMSGSIZE = 90, "Message too large";
    EPROTOTYPE = 91, "Protocol wrong type for socket";
    ENOPROTOOPT = 92, "Protocol not available";
    EPROTONOSUPPORT = 93, "Protocol not supported";
    EOPNOTSUPP = 95, "Not supported";
    EAFNOSUPPORT = 97, "Address family not supported by protocol";
    EADDRINUSE = 98, "Address in use";
    EADDRNOTAVAIL = 99, "Address not available";
    ENETUNREACH = 101, "Network unreachable";
    ECONNABORTED = 103, "Connection aborted";
    ECONNRESET = 104, "Connection reset by peer";
    ENOBUFS = 105, "No buffer space available";
    EISCONN = 106, "Socket is connected";
    ENOTCONN = 107, "Socket not connected";
    ETIMEDOUT = 110, "Operation timed out";
    ECONNREFUSED = 111, "Connection refused";
    EHOSTUNREACH = 113, "Host is unreachable";
    EALREADY = 114, "Operation already in progress";
    EINPROGRESS = 115, "Operation in progress";
}

impl Errno {
    /// The calling thread's host errno, after a failed libc call.
    #[inline]
    pub fn last() -> Errno {
        Errno(std::io::Error::last_os_error().raw_os_error().unwrap_or(5))
    }
}

/// Why guest code stopped running: carried through wasmtime as the error of a host call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `exit_group`, `__proc_exit`, or `exit` from the last thread: the process ends.
    Process(i32),
    /// `exit` from one thread of several: only that thread ends.
    Thread(i32),
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Process(c) => write!(f, "process exit with status {c}"),
            Exit::Thread(c) => write!(f, "thread exit with status {c}"),
        }
    }
}
impl std::error::Error for Exit {}

/// What a handler can answer besides a value: an errno, or the end of the guest.
#[derive(Debug)]
pub enum Stop {
    Errno(Errno),
    Exit(Exit),
}

impl From<Errno> for Stop {
    #[inline]
    fn from(e: Errno) -> Self {
        Stop::Errno(e)
    }
}

pub type SysResult = Result<i64, Stop>;
