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

pub fn socket(_cx: &mut Ctx, domain: Int, ty: Int, proto: Int) -> SysResult {
    sys!(SYS_socket, domain.0, ty.0, proto.0)
}

pub fn socketpair(cx: &mut Ctx, domain: Int, ty: Int, proto: Int, sv: Ptr) -> SysResult {
    let p = cx.mem.host(sv.0, 8)?;
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
    let l = cx.mem.host(lenp, 4)?;
    let n: u32 = cx.mem.read(lenp)?;
    if (n as i32) < 0 {
        return Err(EINVAL);
    }
    Ok((cx.mem.host(addr, n as usize)?, l))
}

pub fn bind(cx: &mut Ctx, fd: Fd, addr: SockAddr, len: UInt) -> SysResult {
    let a = addr_in(cx, addr.0, len.0)?;
    sys!(SYS_bind, fd.0, a, len.0)
}

pub fn connect(cx: &mut Ctx, fd: Fd, addr: SockAddr, len: UInt) -> SysResult {
    let a = addr_in(cx, addr.0, len.0)?;
    sys!(SYS_connect, fd.0, a, len.0)
}

pub fn listen(_cx: &mut Ctx, fd: Fd, backlog: Int) -> SysResult {
    sys!(SYS_listen, fd.0, backlog.0)
}

pub fn accept(cx: &mut Ctx, fd: Fd, addr: OutSockAddr, lenp: Ptr) -> SysResult {
    accept4(cx, fd, addr, lenp, Int(0))
}

pub fn accept4(cx: &mut Ctx, fd: Fd, addr: OutSockAddr, lenp: Ptr, flags: Int) -> SysResult {
    let (a, l) = addr_out(cx, addr.0, lenp.0)?;
    sys!(SYS_accept4, fd.0, a, l, flags.0)
}

pub fn getsockname(cx: &mut Ctx, fd: Fd, addr: OutSockAddr, lenp: Ptr) -> SysResult {
    let (a, l) = addr_out(cx, addr.0, lenp.0)?;
    if a.is_null() {
        return Err(EFAULT.into());
    }
    sys!(SYS_getsockname, fd.0, a, l)
}

pub fn getpeername(cx: &mut Ctx, fd: Fd, addr: OutSockAddr, lenp: Ptr) -> SysResult {
    let (a, l) = addr_out(cx, addr.0, lenp.0)?;
    if a.is_null() {
        return Err(EFAULT.into());
    }
    sys!(SYS_getpeername, fd.0, a, l)
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
    let b = cx.mem.host(buf.0, len.0 as usize)?;
    let (a, l) = addr_out(cx, addr.0, lenp.0)?;
    sys!(SYS_recvfrom, fd.0, b, len.0, flags.0, a, l)
}

pub fn setsockopt(cx: &mut Ctx, fd: Fd, level: Int, name: Int, val: Ptr, len: UInt) -> SysResult {
    let v = cx.mem.host_opt(val.0, len.0 as usize)?;
    sys!(SYS_setsockopt, fd.0, level.0, name.0, v, len.0)
}

pub fn getsockopt(cx: &mut Ctx, fd: Fd, level: Int, name: Int, val: Ptr, lenp: Ptr) -> SysResult {
    let l = cx.mem.host(lenp.0, 4)?;
    let n: u32 = cx.mem.read(lenp.0)?;
    if (n as i32) < 0 {
        return Err(EINVAL.into());
    }
    let v = cx.mem.host_opt(val.0, n as usize)?;
    sys!(SYS_getsockopt, fd.0, level.0, name.0, v, l)
}

/// The guest's `msghdr` as host pointers; the iovecs live in `iov`.
struct Msg {
    hdr: libc::msghdr,
    _iov: Vec<libc::iovec>,
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
    Ok(Msg { hdr, _iov: v })
}

pub fn sendmsg(cx: &mut Ctx, fd: Fd, msg: Ptr, flags: Int) -> SysResult {
    cx.mem.host(msg.0, MSGHDR)?;
    let m = host_msg(cx, msg.0)?;
    sys!(SYS_sendmsg, fd.0, &m.hdr as *const libc::msghdr, flags.0)
}

pub fn recvmsg(cx: &mut Ctx, fd: Fd, msg: Ptr, flags: Int) -> SysResult {
    cx.mem.host(msg.0, MSGHDR)?;
    let mut m = host_msg(cx, msg.0)?;
    let n = sys!(SYS_recvmsg, fd.0, &mut m.hdr as *mut libc::msghdr, flags.0)?;
    // What the kernel reports back: name length, control length, flags.
    cx.mem.write(msg.0 + 4, m.hdr.msg_namelen)?;
    cx.mem.write(msg.0 + 24, m.hdr.msg_controllen as u32)?;
    cx.mem.write(msg.0 + 32, m.hdr.msg_flags)?;
    Ok(n)
}
