//! Sockets. Socket addresses (`sockaddr_in`, `_in6`, `_un`, `_storage`) and socket
//! options have the same bytes in the guest and the x86-64 kernel, so they pass
//! through with checked pointers; `msghdr` holds 4-byte pointers and is translated
//! (its layout is in `layouts.txt`). Control messages keep the kernel's 8-byte
//! alignment in the libc, so their buffer passes through too.

use crate::args::*;
use crate::ctx::{Ctx, SysResult};
use crate::errno::*;
use crate::fs::host_iovecs;

/// Linux rejects longer socket addresses with EINVAL (sizeof(struct sockaddr_storage)).
const SOCKADDR_MAX: u32 = 128;
const MSGHDR: usize = 36;

pub fn socket(cx: &mut Ctx, domain: Int, ty: Int, proto: Int) -> SysResult {
    let pol = &cx.proc.policy;
    if pol.connect.is_some() || pol.bind.is_some() {
        // A restricted network has unix and IP sockets only, and no raw ones.
        let raw = ty.0 & 0xf == libc::SOCK_RAW || ty.0 & 0xf == 10 /* SOCK_PACKET */;
        if ![libc::AF_UNIX, libc::AF_INET, libc::AF_INET6].contains(&domain.0)
            || (raw && domain.0 != libc::AF_UNIX)
        {
            crate::policy::refuse("only unix and IP sockets without --allow-net");
            return Err(EACCES.into());
        }
    }
    sys!(SYS_socket, domain.0, ty.0, proto.0)
}

/// A socket address the policy has checked, copied out of guest memory (so another
/// thread cannot change it after the check); unix paths rewritten to the sandbox's.
struct HostAddr<'a> {
    buf: [u8; 128],
    len: u32,
    _keep: Option<crate::vfs::UnixAddr<'a>>,
}

impl HostAddr<'_> {
    fn ptr(&self) -> *const u8 {
        self.buf.as_ptr()
    }
}

/// `None` when nothing restricts addresses (the guest's bytes go to the kernel as is).
fn checked_addr(cx: &Ctx, addr: u32, len: u32, bind: bool) -> Result<Option<HostAddr<'_>>, Errno> {
    let pol = &cx.proc.policy;
    if addr == 0 || (pol.vfs.is_none() && pol.connect.is_none() && pol.bind.is_none()) {
        return Ok(None);
    }
    if len > SOCKADDR_MAX {
        return Err(EINVAL);
    }
    let mut h = HostAddr {
        buf: [0; 128],
        len,
        _keep: None,
    };
    let src = cx.mem.read_bytes(addr, len as usize)?;
    h.buf[..src.len()].copy_from_slice(&src);
    if len < 2 {
        return Ok(Some(h)); // the kernel answers EINVAL
    }
    let family = u16::from_ne_bytes([h.buf[0], h.buf[1]]) as i32;
    let port = u16::from_be_bytes([h.buf[2], h.buf[3]]);
    let sa = match family {
        libc::AF_INET if len >= 8 => {
            let ip = std::net::Ipv4Addr::new(h.buf[4], h.buf[5], h.buf[6], h.buf[7]);
            Some(std::net::SocketAddr::from((ip, port)))
        }
        libc::AF_INET6 if len >= 24 => {
            let mut o = [0u8; 16];
            o.copy_from_slice(&h.buf[8..24]);
            Some(std::net::SocketAddr::from((
                std::net::Ipv6Addr::from(o),
                port,
            )))
        }
        libc::AF_UNIX => {
            let path = &h.buf[2..len as usize];
            if path.is_empty() {
                return Ok(Some(h)); // autobind
            }
            if path[0] == 0 {
                pol.may_abstract()?;
                return Ok(Some(h));
            }
            let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
            let p = crate::vfs::GuestPath::from_bytes(&path[..end])?;
            let Some(u) = cx.proc.fs().unix_addr(&p, bind)? else {
                return Ok(Some(h));
            };
            let hb = u.host.as_bytes_with_nul();
            if hb.len() > 108 {
                return Err(ENAMETOOLONG);
            }
            h.buf[2..2 + hb.len()].copy_from_slice(hb);
            h.len = (2 + hb.len()) as u32;
            h._keep = Some(u);
            return Ok(Some(h));
        }
        libc::AF_UNSPEC if !bind => return Ok(Some(h)),
        _ => None,
    };
    match sa {
        Some(a) if bind => pol.may_bind(&a)?,
        Some(a) => pol.may_connect(&a)?,
        None if pol.connect.is_none() && pol.bind.is_none() => {}
        None => {
            crate::policy::refuse("address family not granted");
            return Err(EACCES);
        }
    }
    Ok(Some(h))
}

pub fn socketpair(cx: &mut Ctx, domain: Int, ty: Int, proto: Int, sv: Ptr) -> SysResult {
    let p = cx.mem.host_w(sv.0, 8)?;
    sys!(SYS_socketpair, domain.0, ty.0, proto.0, p)
}

/// An input address: `(ptr, len)` checked, length capped as the kernel does.
fn addr_in(cx: &Ctx, addr: u32, len: u32) -> Result<*mut u8, Errno> {
    if len > SOCKADDR_MAX {
        return Err(EINVAL);
    }
    cx.mem.host_opt(addr, len as usize)
}

/// An output address with its in/out length word: both checked; NULL allowed.
fn addr_out(cx: &Ctx, addr: u32, lenp: u32) -> Result<(*mut u8, *mut u8), Errno> {
    if addr == 0 {
        return Ok((std::ptr::null_mut(), std::ptr::null_mut()));
    }
    let l = cx.mem.host_w(lenp, 4)?;
    let n: u32 = cx.mem.read(lenp)?;
    if (n as i32) < 0 {
        return Err(EINVAL);
    }
    Ok((cx.mem.host_w(addr, n as usize)?, l))
}

pub fn bind(cx: &mut Ctx, fd: Fd, addr: SockAddr, len: UInt) -> SysResult {
    let a = addr_in(cx, addr.0, len.0)?;
    if let Some(h) = checked_addr(cx, addr.0, len.0, true)? {
        return sys!(SYS_bind, fd.0, h.ptr(), h.len);
    }
    sys!(SYS_bind, fd.0, a, len.0)
}

pub fn connect(cx: &mut Ctx, fd: Fd, addr: SockAddr, len: UInt) -> SysResult {
    let a = addr_in(cx, addr.0, len.0)?;
    if let Some(h) = checked_addr(cx, addr.0, len.0, false)? {
        return sys!(SYS_connect, fd.0, h.ptr(), h.len);
    }
    sys!(SYS_connect, fd.0, a, len.0)
}

pub fn listen(cx: &mut Ctx, fd: Fd, backlog: Int) -> SysResult {
    if cx.proc.policy.bind.is_some() {
        // listen on an unbound IP socket binds it to a free port on every address:
        // the policy must grant that bind.
        let mut a = [0u8; 128];
        let mut len = a.len() as u32;
        sys!(SYS_getsockname, fd.0, a.as_mut_ptr(), &mut len as *mut u32)?;
        let family = u16::from_ne_bytes([a[0], a[1]]) as i32;
        if (family == libc::AF_INET || family == libc::AF_INET6) && a[2] == 0 && a[3] == 0 {
            let any = if family == libc::AF_INET {
                std::net::SocketAddr::from(([0u8; 4], 0))
            } else {
                std::net::SocketAddr::from(([0u16; 8], 0))
            };
            cx.proc.policy.may_bind(&any)?;
        }
    }
    sys!(SYS_listen, fd.0, backlog.0)
}

pub fn accept(cx: &mut Ctx, fd: Fd, addr: OutSockAddr, lenp: Ptr) -> SysResult {
    accept4(cx, fd, addr, lenp, Int(0))
}

pub fn accept4(cx: &mut Ctx, fd: Fd, addr: OutSockAddr, lenp: Ptr, flags: Int) -> SysResult {
    let (a, l) = addr_out(cx, addr.0, lenp.0)?;
    let cap = unix_cap(cx, addr.0, lenp.0)?;
    let r = sys!(SYS_accept4, fd.0, a, l, flags.0)?;
    fix_unix_len(cx, addr.0, lenp.0, cap)?;
    Ok(r)
}

/// A unix address the kernel reported may be a path the sandbox bound through its own
/// descriptors: write the guest's name for it instead (`cap`: the buffer's size).
fn fix_unix(cx: &Ctx, addr: u32, cap: u32, len: u32) -> Result<Option<u32>, Errno> {
    let fs = cx.proc.fs();
    if !fs.renames_unix() || addr == 0 || len < 3 || cap < 3 {
        return Ok(None);
    }
    let got = cx
        .mem
        .read_bytes(addr, cap.min(len).min(SOCKADDR_MAX) as usize)?;
    if u16::from_ne_bytes([got[0], got[1]]) as i32 != libc::AF_UNIX {
        return Ok(None);
    }
    let path = &got[2..];
    let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
    let Some(g) = fs.unix_name(&path[..end]) else {
        return Ok(None);
    };
    let mut out = got[..2].to_vec();
    out.extend_from_slice(&g);
    out.push(0);
    let n = out.len().min(cap as usize);
    cx.mem.write_bytes(addr, &out[..n])?;
    Ok(Some(out.len() as u32))
}

/// Before a call that reports an address: under the sandbox, the size of the guest's
/// buffer (the kernel overwrites `*lenp`), for `fix_unix_len` after it.
fn unix_cap(cx: &Ctx, addr: u32, lenp: u32) -> Result<Option<u32>, Errno> {
    if addr == 0 || !cx.proc.fs().renames_unix() {
        return Ok(None);
    }
    cx.mem.read(lenp).map(Some)
}

fn fix_unix_len(cx: &Ctx, addr: u32, lenp: u32, cap: Option<u32>) -> Result<(), Errno> {
    let Some(cap) = cap else { return Ok(()) };
    let len: u32 = cx.mem.read(lenp)?;
    if let Some(n) = fix_unix(cx, addr, cap, len)? {
        cx.mem.write(lenp, n)?;
    }
    Ok(())
}

pub fn getsockname(cx: &mut Ctx, fd: Fd, addr: OutSockAddr, lenp: Ptr) -> SysResult {
    let (a, l) = addr_out(cx, addr.0, lenp.0)?;
    if a.is_null() {
        return Err(EFAULT.into());
    }
    let cap = unix_cap(cx, addr.0, lenp.0)?;
    let r = sys!(SYS_getsockname, fd.0, a, l)?;
    fix_unix_len(cx, addr.0, lenp.0, cap)?;
    Ok(r)
}

pub fn getpeername(cx: &mut Ctx, fd: Fd, addr: OutSockAddr, lenp: Ptr) -> SysResult {
    let (a, l) = addr_out(cx, addr.0, lenp.0)?;
    if a.is_null() {
        return Err(EFAULT.into());
    }
    let cap = unix_cap(cx, addr.0, lenp.0)?;
    let r = sys!(SYS_getpeername, fd.0, a, l)?;
    fix_unix_len(cx, addr.0, lenp.0, cap)?;
    Ok(r)
}

pub fn shutdown(_cx: &mut Ctx, fd: Fd, how: Int) -> SysResult {
    sys!(SYS_shutdown, fd.0, how.0)
}

pub fn sendto(
    cx: &mut Ctx,
    fd: Fd,
    buf: Buf,
    len: Len,
    flags: Int,
    addr: SockAddr,
    alen: UInt,
) -> SysResult {
    let b = cx.mem.host(buf.0, len.0 as usize)?;
    let a = addr_in(cx, addr.0, alen.0)?;
    if let Some(h) = checked_addr(cx, addr.0, alen.0, false)? {
        return sys!(SYS_sendto, fd.0, b, len.0, flags.0, h.ptr(), h.len);
    }
    sys!(SYS_sendto, fd.0, b, len.0, flags.0, a, alen.0)
}

pub fn recvfrom(
    cx: &mut Ctx,
    fd: Fd,
    buf: OutBuf,
    len: Len,
    flags: Int,
    addr: OutSockAddr,
    lenp: Ptr,
) -> SysResult {
    let b = cx.mem.host_w(buf.0, len.0 as usize)?;
    let (a, l) = addr_out(cx, addr.0, lenp.0)?;
    let cap = unix_cap(cx, addr.0, lenp.0)?;
    let r = sys!(SYS_recvfrom, fd.0, b, len.0, flags.0, a, l)?;
    fix_unix_len(cx, addr.0, lenp.0, cap)?;
    Ok(r)
}

pub fn setsockopt(cx: &mut Ctx, fd: Fd, level: Int, name: Int, val: Ptr, len: UInt) -> SysResult {
    let v = cx.mem.host_opt(val.0, len.0 as usize)?;
    // The int the check looks at is copied first, and that copy is what the kernel gets:
    // another thread cannot change it after the check.
    let first: Option<i32> = if val.0 != 0 && len.0 >= 4 {
        Some(cx.mem.read(val.0)?)
    } else {
        None
    };
    sockopt_allowed(cx, level.0, name.0, Some(first))?;
    if level.0 == libc::SOL_SOCKET && name.0 == SO_PRIORITY && cx.proc.policy.vfs.is_some() {
        if let Some(p) = first {
            return sys!(SYS_setsockopt, fd.0, level.0, name.0, &p as *const i32, 4);
        }
    }
    if level.0 == libc::SOL_SOCKET
        && (name.0 == libc::SO_ATTACH_FILTER || name.0 == libc::SO_ATTACH_REUSEPORT_CBPF)
    {
        // struct sock_fprog holds a pointer: the guest's (u16 len, u32 filter) becomes
        // the host's, the filter array checked in guest memory.
        if len.0 < 8 {
            return Err(EINVAL.into());
        }
        let n: u16 = cx.mem.read(val.0)?;
        let filter: u32 = cx.mem.read(val.0 + 4)?;
        let f = cx.mem.host(filter, n as usize * 8)?;
        let prog = libc::sock_fprog {
            len: n,
            filter: f.cast(),
        };
        return sys!(
            SYS_setsockopt,
            fd.0,
            level.0,
            name.0,
            &prog as *const libc::sock_fprog,
            std::mem::size_of::<libc::sock_fprog>()
        );
    }
    if let Some(host) = mcast_to_host(cx, level.0, name.0, val.0, len.0)? {
        return sys!(
            SYS_setsockopt,
            fd.0,
            level.0,
            name.0,
            host.as_ptr(),
            host.len()
        );
    }
    sys!(SYS_setsockopt, fd.0, level.0, name.0, v, len.0)
}

pub fn getsockopt(cx: &mut Ctx, fd: Fd, level: Int, name: Int, val: Ptr, lenp: Ptr) -> SysResult {
    let l = cx.mem.host_w(lenp.0, 4)?;
    let n: u32 = cx.mem.read(lenp.0)?;
    if (n as i32) < 0 {
        return Err(EINVAL.into());
    }
    sockopt_allowed(cx, level.0, name.0, None)?;
    if let Some(r) = mcast_filter_get(cx, fd.0, level.0, name.0, val.0, lenp.0, n)? {
        return Ok(r);
    }
    let v = cx.mem.host_opt_w(val.0, n as usize)?;
    sys!(SYS_getsockopt, fd.0, level.0, name.0, v, l)
}

/// The socket options a sandboxed guest may set and read, by level: what real programs
/// use (Ruby's socket library, HTTP clients, servers: buffers, timeouts, keep-alive,
/// reuse, multicast, timestamps, TCP tuning). Everything else answers ENOPROTOOPT, as an
/// option the kernel does not know: above all the netfilter tables (`IPT_SO_SET_REPLACE`
/// and its IPv6, ARP and bridge kin, `IP_VS`), through which root rewrites the host's
/// firewall from any IP socket, and the multicast routing (`MRT_*`) and IPsec policy
/// options. The kernel's own checks still run on what passes.
const SOCKOPTS: &[(i32, &[std::ops::RangeInclusive<i32>])] = &[
    // SOL_SOCKET: all but SO_DEBUG (0), SO_SECURITY_* (22-24) and those below.
    (1, &[2..=21, 25..=31, 32..=33, 34..=76]),
    // IPPROTO_IP: options 1-15 but IP_ROUTER_ALERT (5); IP_PASSSEC, IP_TRANSPARENT,
    // IP_ORIGDSTADDR ... IP_PROTOCOL; the multicast group options (32-49, 50-52).
    // Not: IP_IPSEC_POLICY (16), IP_XFRM_POLICY (17), netfilter (64..), MRT_* (200..).
    (0, &[1..=4, 6..=15, 18..=52]),
    // IPPROTO_IPV6: 1-31 but IPV6_ROUTER_ALERT (22, 30); flow labels, MCAST_*, the
    // ancillary data options (49-62, 66-78). Not: IPV6_IPSEC_POLICY/XFRM (34, 35),
    // netfilter (64, 65, 68, 69, 80), MRT6_* (200..).
    (
        41,
        &[1..=21, 23..=29, 31..=33, 36..=36, 42..=62, 66..=67, 70..=79],
    ),
    // IPPROTO_TCP: 1-18, 23-28, 30, 32, 34-37 (not TCP_REPAIR*, TCP_ULP, TCP_FASTOPEN_KEY).
    (6, &[1..=18, 23..=28, 30..=30, 32..=32, 34..=37]),
    // IPPROTO_UDP: UDP_CORK, UDP_NO_CHECK6_*, UDP_SEGMENT, UDP_GRO (not UDP_ENCAP).
    (17, &[1..=1, 101..=104]),
    // SOL_RAW / IPPROTO_ICMPV6: ICMP_FILTER, ICMP6_FILTER.
    (255, &[1..=1]),
    (58, &[1..=1]),
    // SOL_NETLINK: memberships, packet info, error and ack modes.
    (270, &[1..=5, 8..=12]),
];

const SO_PRIORITY: i32 = 12;
const SO_BINDTODEVICE: i32 = 25;
const SO_SNDBUFFORCE: i32 = 32;
const SO_RCVBUFFORCE: i32 = 33;
const SO_MARK: i32 = 36;
const SO_BINDTOIFINDEX: i32 = 62;
const SO_BUSY_POLL: i32 = 46;
const SO_BUSY_POLL_BUDGET: i32 = 70;
const IP_TRANSPARENT: i32 = 19;
const IPV6_TRANSPARENT: i32 = 75;
const IP_NETFILTER: std::ops::RangeInclusive<i32> = 64..=99;

/// May the sandboxed guest use socket option (`level`, `name`)? `set` for setsockopt,
/// with the value's first int when it has one. `Err` is the answer, traced with the rule.
fn sockopt_allowed(cx: &Ctx, level: i32, name: i32, set: Option<Option<i32>>) -> Result<(), Errno> {
    if cx.proc.policy.vfs.is_none() {
        return Ok(()); // --allow-all: the kernel decides
    }
    let known = SOCKOPTS
        .iter()
        .any(|(l, names)| *l == level && names.iter().any(|r| r.contains(&name)));
    if !known {
        if (level == 0 || level == 41) && IP_NETFILTER.contains(&name) {
            // What an unprivileged process gets from the netfilter tables.
            return Err(crate::policy::denied(
                "netfilter socket options (the host's firewall) are refused under the sandbox",
            ));
        }
        crate::policy::refuse("socket option not in the allow-list");
        return Err(ENOPROTOOPT);
    }
    let Some(val) = set else {
        return Ok(());
    };
    // Options the kernel leaves to CAP_NET_ADMIN / CAP_NET_RAW: the runtime may hold them
    // (run as root), the guest never does.
    let privileged = match (level, name) {
        (1, SO_BINDTODEVICE | SO_BINDTOIFINDEX | SO_MARK) => true,
        (1, SO_SNDBUFFORCE | SO_RCVBUFFORCE | SO_BUSY_POLL | SO_BUSY_POLL_BUDGET) => true,
        (1, SO_PRIORITY) => !matches!(val, Some(0..=6)),
        (0, IP_TRANSPARENT) | (41, IPV6_TRANSPARENT) => true,
        _ => false,
    };
    if privileged {
        return Err(crate::policy::denied(
            "socket options that need CAP_NET_ADMIN or CAP_NET_RAW are refused under the sandbox",
        ));
    }
    Ok(())
}

/// The guest's `msghdr` as host pointers; the iovecs live in `iov`.
struct Msg {
    hdr: libc::msghdr,
    _iov: Vec<libc::iovec>,
    /// The guest's name pointer and (capped) length, as read for `hdr`.
    name: u32,
    namelen: u32,
}

fn host_msg(cx: &Ctx, msg: u32) -> Result<Msg, Errno> {
    let w: [u32; 9] = cx.mem.read(msg)?;
    let [name, namelen, iov, iovlen, _, control, controllen, _, flags] = w;
    // As the kernel's copy_msghdr_from_user: a negative length is EINVAL, a longer one
    // is cut to sockaddr_storage (Ruby passes a 2048-byte name buffer).
    if (namelen as i32) < 0 {
        return Err(EINVAL);
    }
    let namelen = namelen.min(SOCKADDR_MAX);
    let mut v = host_iovecs(cx, iov, iovlen as i32)?;
    // SAFETY: msghdr is plain data; all-zero is a valid (empty) value.
    let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    hdr.msg_name = cx.mem.host_opt(name, namelen as usize)?.cast();
    hdr.msg_namelen = if name == 0 { 0 } else { namelen };
    hdr.msg_iov = v.as_mut_ptr();
    hdr.msg_iovlen = v.len();
    hdr.msg_control = cx.mem.host_opt(control, controllen as usize)?.cast();
    hdr.msg_controllen = if control == 0 { 0 } else { controllen as usize };
    hdr.msg_flags = flags as i32;
    Ok(Msg {
        hdr,
        _iov: v,
        name,
        namelen,
    })
}

pub fn sendmsg(cx: &mut Ctx, fd: Fd, msg: Ptr, flags: Int) -> SysResult {
    cx.mem.host(msg.0, MSGHDR)?;
    let mut m = host_msg(cx, msg.0)?;
    // The name the header was built from (read once: another thread may change it).
    let h = checked_addr(cx, m.name, m.namelen, false)?;
    if let Some(h) = &h {
        m.hdr.msg_name = h.ptr() as *mut libc::c_void;
        m.hdr.msg_namelen = h.len;
    }
    let control = checked_control(&m.hdr, cx.proc.policy.vfs.is_some())?;
    if let Some(c) = &control {
        m.hdr.msg_control = c.as_ptr() as *mut libc::c_void;
    }
    sys!(SYS_sendmsg, fd.0, &m.hdr as *const libc::msghdr, flags.0)
}

/// The control messages of a `sendmsg`, copied out of guest memory (so another thread
/// cannot change them once checked) with every `SCM_RIGHTS` descriptor checked: the
/// runtime's own descriptors are not the guest's to pass on (`runtime_fds`). Under the
/// sandbox (`sandboxed`), `SCM_CREDENTIALS` carry the guest's own ids only, as the kernel
/// requires of an unprivileged sender: a runtime run as root could otherwise tell a peer
/// any pid, uid and gid (a daemon that trusts them would take the guest for that process).
fn checked_control(hdr: &libc::msghdr, sandboxed: bool) -> Result<Option<Vec<u64>>, Errno> {
    if hdr.msg_control.is_null() || hdr.msg_controllen == 0 {
        return Ok(None);
    }
    let len = hdr.msg_controllen;
    let mut buf = vec![0u64; len.div_ceil(8)];
    // SAFETY: msg_control was checked by GuestMem::host_opt for msg_controllen bytes; the
    // copy reads it once, as raw bytes, into host memory of at least that size.
    unsafe {
        std::ptr::copy_nonoverlapping(
            hdr.msg_control as *const u8,
            buf.as_mut_ptr() as *mut u8,
            len,
        )
    };
    let bytes: Vec<u8> = buf.iter().flat_map(|w| w.to_ne_bytes()).collect();
    // The kernel's layout: {u64 len; i32 level; i32 type; data}, each message 8-aligned.
    let mut at = 0usize;
    while at + 16 <= len {
        let clen = u64::from_ne_bytes(bytes[at..at + 8].try_into().expect("8 bytes")) as usize;
        if clen < 16 || clen > len - at {
            break; // the kernel refuses or stops here itself
        }
        let level = i32::from_ne_bytes(bytes[at + 8..at + 12].try_into().expect("4 bytes"));
        let ty = i32::from_ne_bytes(bytes[at + 12..at + 16].try_into().expect("4 bytes"));
        if level == libc::SOL_SOCKET && ty == libc::SCM_RIGHTS {
            for f in bytes[at + 16..at + clen].chunks_exact(4) {
                let fd = i32::from_ne_bytes(f.try_into().expect("4 bytes"));
                if crate::runtime_fds::is_runtime(fd) {
                    return Err(EBADF);
                }
            }
        }
        if sandboxed && level == libc::SOL_SOCKET && ty == libc::SCM_CREDENTIALS && clen >= 28 {
            let word = |i: usize| {
                u32::from_ne_bytes(
                    bytes[at + 16 + 4 * i..at + 20 + 4 * i]
                        .try_into()
                        .expect("4"),
                )
            };
            if !own_credentials(word(0), word(1), word(2)) {
                return Err(crate::policy::denied(
                    "SCM_CREDENTIALS may carry only the guest's own pid, uid and gid",
                ));
            }
        }
        at += clen.div_ceil(8) * 8;
    }
    Ok(Some(buf))
}

/// The kernel's rule for an unprivileged sender of `SCM_CREDENTIALS`: its own process id,
/// a uid among its real, effective and saved ones, a gid likewise.
fn own_credentials(pid: u32, uid: u32, gid: u32) -> bool {
    let (mut r, mut e, mut sv) = (0, 0, 0);
    let (mut gr, mut ge, mut gs) = (0, 0, 0);
    // SAFETY: valid out-pointers; these calls cannot fail with them.
    unsafe {
        libc::getresuid(&mut r, &mut e, &mut sv);
        libc::getresgid(&mut gr, &mut ge, &mut gs);
    }
    // SAFETY: no arguments.
    let me = unsafe { libc::getpid() } as u32;
    pid == me && [r, e, sv].contains(&uid) && [gr, ge, gs].contains(&gid)
}

pub fn recvmsg(cx: &mut Ctx, fd: Fd, msg: Ptr, flags: Int) -> SysResult {
    cx.mem.host(msg.0, MSGHDR)?;
    let mut m = host_msg(cx, msg.0)?;
    let n = sys!(SYS_recvmsg, fd.0, &mut m.hdr as *mut libc::msghdr, flags.0)?;
    // What the kernel reports back: name length, control length, flags.
    let namelen = fix_unix(cx, m.name, m.namelen, m.hdr.msg_namelen)?.unwrap_or(m.hdr.msg_namelen);
    cx.mem.write(msg.0 + 4, namelen)?;
    cx.mem.write(msg.0 + 24, m.hdr.msg_controllen as u32)?;
    cx.mem.write(msg.0 + 32, m.hdr.msg_flags)?;
    Ok(n)
}

// --- socket option layouts ------------------------------------------------------------
//
// Audited against layouts.txt and the sysroot's headers: every socket option struct has
// the x86-64 layout in the guest (ints, fixed-size addresses, `timeval` with 64-bit
// fields, `linger`, `ip_mreq{,n,_source}`, `ipv6_mreq`, `ucred`, `tcp_info`, `in_pktinfo`,
// `tcp_md5sig`, `packet_mreq`, `tpacket_req*`, `sock_txtime`...) but for two kinds:
// `sock_fprog` (a pointer: SO_ATTACH_FILTER, above) and RFC 3678's protocol-independent
// multicast requests, whose `struct sockaddr_storage` follows a 32-bit interface index:
// it is 4-aligned on wasm32 and 8-aligned on x86-64, so `group_req` is 132 bytes against
// 136, `group_source_req` 260 against 264, and `group_filter` 4 bytes shorter in its
// header (the source list follows at 140 against 144).

const MCAST_JOIN_GROUP: i32 = 42;
const MCAST_LEAVE_SOURCE_GROUP: i32 = 47;
const MCAST_MSFILTER: i32 = 48;
const SS: usize = 128;
/// The guest's `group_filter` up to its source list (`GROUP_FILTER_SIZE(0)`).
const GF_HEAD: usize = 4 + SS + 8;

/// Is this one of the multicast options (`IPPROTO_IP` or `IPPROTO_IPV6`)?
fn is_mcast(level: i32, name: i32) -> bool {
    (level == libc::IPPROTO_IP || level == libc::IPPROTO_IPV6)
        && (MCAST_JOIN_GROUP..=MCAST_MSFILTER).contains(&name)
}

/// The guest's `group_req`/`group_source_req`/`group_filter` (`len` bytes at `val`) in
/// the host's layout, or `None` for every other option. Too short a value goes to the
/// kernel as it is, which answers `EINVAL` as natively.
fn mcast_to_host(
    cx: &Ctx,
    level: i32,
    name: i32,
    val: u32,
    len: u32,
) -> Result<Option<Vec<u8>>, Errno> {
    if !is_mcast(level, name) {
        return Ok(None);
    }
    let len = len as usize;
    let min = match name {
        MCAST_MSFILTER => GF_HEAD,
        n if n == MCAST_JOIN_GROUP || n == libc::MCAST_LEAVE_GROUP => 4 + SS,
        _ => 4 + 2 * SS,
    };
    if len < min {
        return Ok(None);
    }
    let g = cx.mem.read_bytes(val, len)?;
    let mut h = Vec::with_capacity(len + 4);
    h.extend_from_slice(&g[..4]);
    h.extend_from_slice(&[0; 4]);
    h.extend_from_slice(&g[4..]);
    if name <= MCAST_LEAVE_SOURCE_GROUP {
        // group_req / group_source_req: the kernel reads a fixed size; pass that much.
        h.truncate(if min == 4 + SS { 8 + SS } else { 8 + 2 * SS });
    }
    Ok(Some(h))
}

/// `getsockopt(MCAST_MSFILTER)`: the filter's header in, the header and sources out,
/// each translated; `None` for every other option.
fn mcast_filter_get(
    cx: &Ctx,
    fd: i32,
    level: i32,
    name: i32,
    val: u32,
    lenp: u32,
    len: u32,
) -> Result<Option<i64>, crate::ctx::Stop> {
    if !is_mcast(level, name) || name != MCAST_MSFILTER || (len as usize) < GF_HEAD {
        return Ok(None);
    }
    let mut h = mcast_to_host(cx, level, name, val, len)?.ok_or(EINVAL)?;
    let mut hl = h.len() as u32;
    sys!(
        SYS_getsockopt,
        fd,
        level,
        name,
        h.as_mut_ptr(),
        &mut hl as *mut u32
    )?;
    let hl = (hl as usize).min(h.len());
    let gl = hl.saturating_sub(4);
    let mut g = Vec::with_capacity(gl);
    g.extend_from_slice(&h[..4]);
    g.extend_from_slice(&h[8..hl.max(8)]);
    cx.mem.write_bytes(val, &g[..gl.min(g.len())])?;
    cx.mem.write(lenp, gl as u32)?;
    Ok(Some(0))
}
