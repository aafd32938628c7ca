//! Not an example: the libc crate's view of the structs in syscalls/abi/layouts.txt,
//! printed in that file's form (tests/rust.rs compares). Names are layouts.txt's; a field
//! the crate names otherwise is printed under the ABI's name (st_atim: the crate's
//! st_atime, whose tv_nsec follows as st_atime_nsec).
use std::mem::{align_of, offset_of, size_of};

macro_rules! layout {
    ($abi:expr, $t:ty, [$($abi_field:literal => $field:ident),* $(,)?]) => {{
        println!("{} size={} align={}", $abi, size_of::<$t>(), align_of::<$t>());
        $( println!("    +{} {}", offset_of!($t, $field), $abi_field); )*
    }};
}

fn main() {
    use libc::*;
    layout!("struct timespec", timespec, ["tv_sec" => tv_sec, "tv_nsec" => tv_nsec]);
    layout!("struct timeval", timeval, ["tv_sec" => tv_sec, "tv_usec" => tv_usec]);
    layout!("stack_t", stack_t, ["ss_sp" => ss_sp, "ss_flags" => ss_flags, "ss_size" => ss_size]);
    layout!("struct dirent", dirent64, ["d_ino" => d_ino, "d_off" => d_off, "d_reclen" => d_reclen,
        "d_type" => d_type, "d_name" => d_name]);
    layout!("struct epoll_event", epoll_event, ["events" => events, "data" => u64]);
    layout!("struct iovec", iovec, ["iov_base" => iov_base, "iov_len" => iov_len]);
    layout!("struct pollfd", pollfd, ["fd" => fd, "events" => events, "revents" => revents]);
    layout!("struct rlimit", rlimit, ["rlim_cur" => rlim_cur, "rlim_max" => rlim_max]);
    layout!("struct sigaction", sigaction, ["sa_handler" => sa_sigaction, "sa_mask" => sa_mask,
        "sa_flags" => sa_flags, "sa_restorer" => sa_restorer]);
    layout!("struct sockaddr", sockaddr, ["sa_family" => sa_family, "sa_data" => sa_data]);
    layout!("struct statfs", statfs64, ["f_type" => f_type, "f_bsize" => f_bsize, "f_blocks" => f_blocks,
        "f_bfree" => f_bfree, "f_bavail" => f_bavail, "f_files" => f_files, "f_ffree" => f_ffree,
        "f_fsid" => f_fsid, "f_namelen" => f_namelen, "f_frsize" => f_frsize, "f_flags" => f_flags]);
    layout!("stx_time", statx_timestamp, ["tv_sec" => tv_sec, "tv_nsec" => tv_nsec]);
    layout!("struct sysinfo", sysinfo, ["uptime" => uptime, "loads" => loads, "totalram" => totalram,
        "freeram" => freeram, "sharedram" => sharedram, "bufferram" => bufferram,
        "totalswap" => totalswap, "freeswap" => freeswap, "procs" => procs,
        "totalhigh" => totalhigh, "freehigh" => freehigh, "mem_unit" => mem_unit]);
    layout!("struct utimbuf", utimbuf, ["actime" => actime, "modtime" => modtime]);
    layout!("struct utsname", utsname, ["sysname" => sysname, "nodename" => nodename,
        "release" => release, "version" => version, "machine" => machine, "domainname" => domainname]);
    layout!("fd_set", fd_set, []);
    layout!("cpu_set_t", cpu_set_t, []);
    layout!("struct itimerval", itimerval, ["it_interval" => it_interval, "it_value" => it_value]);
    layout!("struct msghdr", msghdr, ["msg_name" => msg_name, "msg_namelen" => msg_namelen,
        "msg_iov" => msg_iov, "msg_iovlen" => msg_iovlen, "msg_control" => msg_control,
        "msg_controllen" => msg_controllen, "msg_flags" => msg_flags]);
    layout!("struct rusage", rusage, ["ru_utime" => ru_utime, "ru_stime" => ru_stime,
        "ru_maxrss" => ru_maxrss, "ru_ixrss" => ru_ixrss, "ru_idrss" => ru_idrss, "ru_isrss" => ru_isrss,
        "ru_minflt" => ru_minflt, "ru_majflt" => ru_majflt, "ru_nswap" => ru_nswap,
        "ru_inblock" => ru_inblock, "ru_oublock" => ru_oublock, "ru_msgsnd" => ru_msgsnd,
        "ru_msgrcv" => ru_msgrcv, "ru_nsignals" => ru_nsignals, "ru_nvcsw" => ru_nvcsw,
        "ru_nivcsw" => ru_nivcsw]);
    layout!("struct stat", stat, ["st_dev" => st_dev, "st_ino" => st_ino, "st_nlink" => st_nlink,
        "st_mode" => st_mode, "st_uid" => st_uid, "st_gid" => st_gid, "st_rdev" => st_rdev,
        "st_size" => st_size, "st_blksize" => st_blksize, "st_blocks" => st_blocks,
        "st_atim" => st_atime, "st_mtim" => st_mtime, "st_ctim" => st_ctime]);
    layout!("struct stat64", stat64, ["st_dev" => st_dev, "st_size" => st_size, "st_atim" => st_atime,
        "st_ctim" => st_ctime]);
    layout!("struct statx", statx, ["stx_mask" => stx_mask, "stx_blksize" => stx_blksize,
        "stx_attributes" => stx_attributes, "stx_nlink" => stx_nlink, "stx_uid" => stx_uid,
        "stx_gid" => stx_gid, "stx_mode" => stx_mode, "stx_ino" => stx_ino, "stx_size" => stx_size,
        "stx_blocks" => stx_blocks, "stx_attributes_mask" => stx_attributes_mask,
        "stx_atime" => stx_atime, "stx_btime" => stx_btime, "stx_ctime" => stx_ctime,
        "stx_mtime" => stx_mtime, "stx_rdev_major" => stx_rdev_major, "stx_rdev_minor" => stx_rdev_minor,
        "stx_dev_major" => stx_dev_major, "stx_dev_minor" => stx_dev_minor]);
}
