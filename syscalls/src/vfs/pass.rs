//! `--allow-all`: guest paths are host paths, and each call is the kernel's own (the
//! reference engine's pass-through).

use super::{open_host, ExecFile, FileSystem, GuestPath, Held, UnixAddr};
use crate::errno::Errno;
use crate::errno::SysResult;
use crate::host::dirfd;
use std::ffi::CStr;

/// The host's file system as it is.
pub struct PassThrough;

impl FileSystem for PassThrough {
    fn open(&self, dir: i32, path: &GuestPath, flags: i32, mode: u32) -> SysResult {
        sys!(SYS_openat, dirfd(dir), path.c().as_ptr(), flags, mode)
    }

    fn stat(&self, dir: i32, path: &GuestPath, flags: i32, st: &mut libc::stat) -> SysResult {
        let st: *mut libc::stat = st;
        sys!(SYS_newfstatat, dirfd(dir), path.c().as_ptr(), st, flags)
    }

    fn statx(
        &self,
        dir: i32,
        path: &GuestPath,
        flags: i32,
        mask: u32,
        buf: &mut [u8; 256],
    ) -> SysResult {
        sys!(
            SYS_statx,
            dirfd(dir),
            path.c().as_ptr(),
            flags,
            mask,
            buf.as_mut_ptr()
        )
    }

    fn statfs(&self, path: &GuestPath, buf: &mut [u8; 120]) -> SysResult {
        sys!(SYS_statfs, path.c().as_ptr(), buf.as_mut_ptr())
    }

    fn access(&self, dir: i32, path: &GuestPath, mode: i32, flags: i32) -> SysResult {
        if flags == 0 {
            return sys!(SYS_faccessat, dirfd(dir), path.c().as_ptr(), mode);
        }
        sys!(SYS_faccessat2, dirfd(dir), path.c().as_ptr(), mode, flags)
    }

    fn readlink(&self, dir: i32, path: &GuestPath, buf: &mut [u8]) -> SysResult {
        sys!(
            SYS_readlinkat,
            dirfd(dir),
            path.c().as_ptr(),
            buf.as_mut_ptr(),
            buf.len()
        )
    }

    fn truncate(&self, path: &GuestPath, len: i64) -> SysResult {
        sys!(SYS_truncate, path.c().as_ptr(), len)
    }

    fn chdir(&self, path: &GuestPath) -> SysResult {
        sys!(SYS_chdir, path.c().as_ptr())
    }

    fn fchdir(&self, fd: i32) -> SysResult {
        sys!(SYS_fchdir, fd)
    }

    fn getcwd(&self, buf: &mut [u8]) -> SysResult {
        sys!(SYS_getcwd, buf.as_mut_ptr(), buf.len())
    }

    fn mkdir(&self, dir: i32, path: &GuestPath, mode: u32) -> SysResult {
        sys!(SYS_mkdirat, dirfd(dir), path.c().as_ptr(), mode)
    }

    fn mknod(&self, dir: i32, path: &GuestPath, mode: u32, dev: u32) -> SysResult {
        sys!(SYS_mknodat, dirfd(dir), path.c().as_ptr(), mode, dev)
    }

    fn symlink(&self, target: &GuestPath, dir: i32, link: &GuestPath) -> SysResult {
        sys!(
            SYS_symlinkat,
            target.c().as_ptr(),
            dirfd(dir),
            link.c().as_ptr()
        )
    }

    fn unlink(&self, dir: i32, path: &GuestPath, flags: i32) -> SysResult {
        sys!(SYS_unlinkat, dirfd(dir), path.c().as_ptr(), flags)
    }

    fn rename(&self, od: i32, op: &GuestPath, nd: i32, np: &GuestPath, flags: u32) -> SysResult {
        sys!(
            SYS_renameat2,
            dirfd(od),
            op.c().as_ptr(),
            dirfd(nd),
            np.c().as_ptr(),
            flags
        )
    }

    fn link(&self, od: i32, op: &GuestPath, nd: i32, np: &GuestPath, flags: i32) -> SysResult {
        sys!(
            SYS_linkat,
            dirfd(od),
            op.c().as_ptr(),
            dirfd(nd),
            np.c().as_ptr(),
            flags
        )
    }

    fn chmod(&self, dir: i32, path: &GuestPath, mode: u32) -> SysResult {
        sys!(SYS_fchmodat, dirfd(dir), path.c().as_ptr(), mode)
    }

    fn fchmod(&self, fd: i32, mode: u32) -> SysResult {
        sys!(SYS_fchmod, fd, mode)
    }

    fn chown(&self, dir: i32, path: &GuestPath, uid: u32, gid: u32, flags: i32) -> SysResult {
        sys!(SYS_fchownat, dirfd(dir), path.c().as_ptr(), uid, gid, flags)
    }

    fn fchown(&self, fd: i32, uid: u32, gid: u32) -> SysResult {
        sys!(SYS_fchown, fd, uid, gid)
    }

    fn utimens(
        &self,
        dir: i32,
        path: Option<&GuestPath>,
        times: Option<[libc::timespec; 2]>,
        flags: i32,
    ) -> SysResult {
        let t = times.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
        let p = path.map_or(std::ptr::null(), |p| p.c().as_ptr());
        sys!(SYS_utimensat, dirfd(dir), p, t, flags)
    }

    fn inotify_add_watch(&self, fd: i32, path: &GuestPath, mask: u32) -> SysResult {
        sys!(SYS_inotify_add_watch, fd, path.c().as_ptr(), mask)
    }

    fn exec_open(&self, path: &GuestPath, _host_programs: bool) -> Result<ExecFile, Errno> {
        Ok(ExecFile {
            fd: open_host(path.c())?,
            host: path.0.clone(),
            name: path.0.clone(),
        })
    }

    fn unix_addr(&self, _path: &GuestPath, _bind: bool) -> Result<Option<UnixAddr<'_>>, Errno> {
        Ok(None)
    }

    fn unix_name(&self, _host: &[u8]) -> Option<Vec<u8>> {
        None
    }

    fn renames_unix(&self) -> bool {
        false
    }

    fn host_namespace(
        &self,
        path: &GuestPath,
        _why: &'static str,
        call: &mut dyn FnMut(&CStr) -> SysResult,
    ) -> SysResult {
        call(path.c())
    }

    fn closed(&self, _first: u32, _last: u32) {}

    fn fd_writable(&self, _fd: i32) -> Result<(), Errno> {
        Ok(())
    }

    fn hold(&self) -> Box<dyn Held + '_> {
        Box::new(())
    }
}
