//! Process and thread exit.

use crate::args::*;
use crate::ctx::{Ctx, Exit, Stop, SysResult};

pub fn exit_group(_cx: &mut Ctx, status: Int) -> SysResult {
    Err(Stop::Exit(Exit::Process(status.0 & 0xff)))
}
