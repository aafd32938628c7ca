/* Pre-initialisation for `wali-run pack --preinit` (docs/box.md, "Snapshots").
 *
 * Link this file into a program (wali-cc prog.c toolchain/preinit/wali_preinit.c) and
 * define `int wali_init(int argc, char **argv)`: the module then exports
 *
 *   wali_preinit  what _start does up to main (libc set up with the pack-time argv and
 *                 environment: the box's ENTRYPOINT words), then wali_init(argc, argv).
 *                 When it returns, the runtime captures memory, globals and its own
 *                 guest-visible state into the box. Its wasm stack is empty then: that is
 *                 why the snapshot point is a return, not a call.
 *   wali_resume   what a run of the box calls instead of _start, on the restored memory:
 *                 argv and the environment read again from the runtime (this run's, as
 *                 _start reads them), musl's cached thread id set to this process's, then
 *                 exit(main(argc, argv)) (or wali_resume_main's, when defined).
 *
 * `wali_resumed` is 1 in a run that started from a snapshot. A plain run (no snapshot)
 * goes through _start and main as ever: main should call its init itself when
 * !wali_resumed (see tests/c/preinit.c). */
#include <fcntl.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <elf.h>

#define WALI_AUX(name) __attribute__((import_module("wali"), import_name(#name)))
WALI_AUX(__init) int __wali_pi_init(void);
WALI_AUX(__cl_get_argc) int __wali_pi_argc(void);
WALI_AUX(__cl_get_argv_len) int __wali_pi_argv_len(int);
WALI_AUX(__cl_copy_argv) int __wali_pi_copy_argv(char *, int);
WALI_AUX(__get_init_envfile) int __wali_pi_envfile(char *, int);
WALI_AUX(__proc_exit) _Noreturn void __wali_pi_proc_exit(int);

/* musl's own start-up steps (src/env/__libc_start_main.c), as __libc_start_main runs
 * them before main. */
void __init_libc(char **envp, char *pn);
void __libc_start_init(void);
extern char **__environ;

int wali_init(int argc, char **argv);
__attribute__((weak)) int wali_resume_main(int argc, char **argv);
__attribute__((weak)) int __main_argc_argv(int, char **);
__attribute__((weak)) int main(void);

int wali_resumed;
/* Where musl keeps the main thread's tid in its struct pthread (found at preinit: the
 * word holding gettid()'s answer), to set this run's there at resume. */
static int tid_offset = -1;

static void *map(size_t len)
{
	void *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) __wali_pi_proc_exit(127);
	return p;
}

/* argv, then envp, then an auxv (AT_PAGESZ), in one anonymous map: crt1.c's layout. */
static char **vectors(int *argc_out)
{
	int argc = __wali_pi_argc();
	size_t strs = 0;
	for (int i = 0; i < argc; i++) strs += __wali_pi_argv_len(i) + 1;
	char path[512];
	int fd = -1;
	size_t envsize = 0;
	if (__wali_pi_envfile(path, sizeof path) == 1) {
		fd = syscall(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0) envsize = st.st_size;
	}
	size_t words = argc + 1 + envsize + 1 + 4;
	char *block = map(words * sizeof(char *) + strs + envsize + 1);
	char **vec = (char **)block;
	char *s = block + words * sizeof(char *);
	for (int i = 0; i < argc; i++) {
		vec[i] = s;
		__wali_pi_copy_argv(s, i);
		s += __wali_pi_argv_len(i) + 1;
	}
	vec[argc] = 0;
	char *env = s;
	size_t n = 0;
	while (fd >= 0 && n < envsize) {
		long r = read(fd, env + n, envsize - n);
		if (r <= 0) break;
		n += r;
	}
	if (fd >= 0) close(fd);
	env[n] = 0;
	char **envp = vec + argc + 1;
	size_t k = 0;
	for (char *p = env; *p;) {
		char *nl = strchr(p, '\n');
		if (nl) *nl = 0;
		if (*p) envp[k++] = p;
		if (!nl) break;
		p = nl + 1;
	}
	envp[k] = 0;
	size_t *aux = (size_t *)(envp + k + 1);
	aux[0] = AT_PAGESZ;
	aux[1] = 4096;
	aux[2] = AT_NULL;
	*argc_out = argc;
	return vec;
}

__attribute__((export_name("wali_preinit"))) void wali_preinit(void)
{
	if (__wali_pi_init() != 0) __wali_pi_proc_exit(127);
	int argc;
	char **argv = vectors(&argc);
	__init_libc(argv + argc + 1, argv[0]);
	__libc_start_init();
	int tid = syscall(SYS_gettid);
	char *self = (char *)pthread_self();
	/* The first word is `self` itself; the tid follows a few pointers on. */
	for (int off = sizeof(void *); off < 128; off += sizeof(int))
		if (*(int *)(self + off) == tid) { tid_offset = off; break; }
	int r = wali_init(argc, argv);
	if (r != 0) exit(r);
	/* What wali_init printed is pack's output: flushed now, not left in stdio's
	 * buffers to come out again at every run. */
	fflush(0);
}

__attribute__((export_name("wali_resume"))) void wali_resume(void)
{
	int argc;
	char **argv = vectors(&argc);
	__environ = argv + argc + 1;
	if (tid_offset >= 0) *(int *)((char *)pthread_self() + tid_offset) = syscall(SYS_gettid);
	wali_resumed = 1;
	if (wali_resume_main) exit(wali_resume_main(argc, argv));
	if (__main_argc_argv) exit(__main_argc_argv(argc, argv));
	exit(main());
}
