/* sysinfo for wasm32, after musl's x32 version: the kernel (and the WALI ABI) fill the
 * x86-64 struct with 64-bit fields; struct sysinfo here has 32-bit longs, so sizes are
 * scaled into mem_unit units as the kernel does for 32-bit callers. */
#include <sys/sysinfo.h>
#include "syscall.h"

struct kernel_sysinfo {
	long long uptime;
	unsigned long long loads[3];
	unsigned long long totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	short procs, pad;
	unsigned long long totalhigh, freehigh;
	unsigned mem_unit;
	char reserved[256];
};

int __lsysinfo(struct sysinfo *info)
{
	struct kernel_sysinfo k;
	int r = __syscall(SYS_sysinfo, &k);
	if (r) return __syscall_ret(r);
	unsigned long long max = k.totalram | k.totalswap;
	int top = max ? 63 - __builtin_clzll(max) : 0;
	int shifts = top >= 32 ? top - 31 : 0;
	info->uptime = k.uptime;
	info->loads[0] = k.loads[0];
	info->loads[1] = k.loads[1];
	info->loads[2] = k.loads[2];
	info->totalram = k.totalram >> shifts;
	info->freeram = k.freeram >> shifts;
	info->sharedram = k.sharedram >> shifts;
	info->bufferram = k.bufferram >> shifts;
	info->totalswap = k.totalswap >> shifts;
	info->freeswap = k.freeswap >> shifts;
	info->procs = k.procs;
	info->totalhigh = k.totalhigh >> shifts;
	info->freehigh = k.freehigh >> shifts;
	info->mem_unit = (k.mem_unit ? k.mem_unit : 1) << shifts;
	return 0;
}

weak_alias(__lsysinfo, sysinfo);
