//! What a module may do: the policy the engine layer builds (from flags, a policy file
//! and the module's own table) and the handlers consult. Knows no flag or file format.

use crate::errno::{self, Errno, EPERM};
pub use crate::limits::Limits;
use crate::vfs::FileSystem;
use std::cell::Cell;
use std::net::{IpAddr, SocketAddr};

/// What happens when the guest makes a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Allow,
    /// Answer this errno without making the call.
    Deny(Errno),
    /// Make the call and report it on stderr.
    Log,
    /// Stop the guest with an error naming the syscall.
    Trap,
}

/// One address rule: an IP (or any) and a port range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetRule {
    pub ip: Option<IpAddr>,
    pub ports: (u16, u16),
}

impl NetRule {
    pub const ANY: NetRule = NetRule {
        ip: None,
        ports: (0, u16::MAX),
    };
    pub fn matches(&self, a: &SocketAddr) -> bool {
        let ip_ok = match self.ip {
            None => true,
            Some(ip) => ip == a.ip() || Some(ip) == ipv4_of(a.ip()),
        };
        ip_ok && (self.ports.0..=self.ports.1).contains(&a.port())
    }
}

/// `::ffff:1.2.3.4` is 1.2.3.4.
fn ipv4_of(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
        v4 => Some(v4),
    }
}

pub struct Policy {
    /// The sandbox's file system (`sandbox::Vfs`); `None` is the reference engine's
    /// pass-through (`--allow-all`). Handlers reach either through `Process::fs`.
    pub vfs: Option<Box<dyn FileSystem>>,
    /// Per syscall, in table order; empty means all allowed.
    pub actions: Vec<Action>,
    /// `None`: any address; `Some(rules)`: only these.
    pub connect: Option<Vec<NetRule>>,
    pub bind: Option<Vec<NetRule>>,
    /// `execve` of host programs (modules always run, under this same policy).
    pub exec: bool,
    pub fork: bool,
    /// Signals to processes other than this one and its children.
    pub signals: bool,
    pub limits: Limits,
}

impl Policy {
    /// The reference engine's behaviour: everything passes through.
    pub fn allow_all() -> Policy {
        Policy {
            vfs: None,
            actions: Vec::new(),
            connect: None,
            bind: None,
            exec: true,
            fork: true,
            signals: true,
            limits: Limits::default(),
        }
    }

    #[inline(always)]
    pub fn action(&self, idx: usize) -> Action {
        match self.actions.get(idx) {
            Some(a) => *a,
            None => Action::Allow,
        }
    }

    pub fn may_connect(&self, a: &SocketAddr) -> Result<(), Errno> {
        check(&self.connect, a, "connect")
    }

    pub fn may_bind(&self, a: &SocketAddr) -> Result<(), Errno> {
        check(&self.bind, a, "bind")
    }

    /// Abstract unix sockets reach the whole host: only with unrestricted network.
    pub fn may_abstract(&self) -> Result<(), Errno> {
        if self.connect.is_none() && self.bind.is_none() {
            Ok(())
        } else {
            refuse("abstract unix sockets need --allow-net");
            Err(errno::EACCES)
        }
    }
}

fn check(rules: &Option<Vec<NetRule>>, a: &SocketAddr, what: &'static str) -> Result<(), Errno> {
    match rules {
        None => Ok(()),
        Some(r) if r.iter().any(|r| r.matches(a)) => Ok(()),
        Some(_) => {
            refuse(if what == "connect" {
                "the address is not granted (net.connect / --allow-net)"
            } else {
                "the address is not granted (net.bind / --allow-net)"
            });
            Err(errno::EACCES)
        }
    }
}

thread_local! {
    /// Why the policy refused the current call, for `--strace`.
    static REFUSED: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Record why the current call was refused (shown by `--strace`).
pub fn refuse(why: &'static str) {
    REFUSED.with(|r| r.set(Some(why)));
}

/// Take the reason recorded for the call that just ended.
pub fn take_refusal() -> Option<&'static str> {
    REFUSED.with(|r| r.take())
}

/// EPERM with a reason: the common answer to a signal or exec the policy does not grant.
pub fn denied(why: &'static str) -> Errno {
    refuse(why);
    EPERM
}
