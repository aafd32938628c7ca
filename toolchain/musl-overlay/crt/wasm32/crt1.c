/* Program entry for WALI: argv and the environment come from the runtime through
 * auxiliary imports, then musl's usual start-up runs main. */
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "syscall.h"

#define WALI_AUX(name) __attribute__((import_module("wali"), import_name(#name)))
WALI_AUX(__init) int __wali_init(void);
WALI_AUX(__cl_get_argc) int __wali_argc(void);
WALI_AUX(__cl_get_argv_len) int __wali_argv_len(int);
WALI_AUX(__cl_copy_argv) int __wali_copy_argv(char *, int);
WALI_AUX(__get_init_envfile) int __wali_envfile(char *, int);
WALI_AUX(__proc_exit) _Noreturn void __wali_proc_exit(int);

int __libc_start_main(int (*)(int, char **, char **), int, char **,
	void (*)(), void (*)(), void (*)());
void __wasm_call_ctors(void);


/* clang names a two-argument main __main_argc_argv; a main without arguments
 * keeps its name. */
weak int __main_argc_argv(int, char **);
weak int main(void);

static int call_main(int argc, char **argv, char **envp)
{
	if (__main_argc_argv) return __main_argc_argv(argc, argv);
	return main();
}

/* Constructors run from musl's libc_start_init, after libc is set up. */
void _init(void)
{
	__wasm_call_ctors();
}

static void *map(size_t len)
{
	long p = __syscall(SYS_mmap, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p < 0 && p > -4096) __wali_proc_exit(127);
	return (void *)p;
}

void _start(void)
{
	if (__wali_init() != 0) __wali_proc_exit(127);

	/* No malloc before libc is initialised: one anonymous map holds argv strings,
	 * the environment text, and the argv/envp/auxv vector musl's start-up reads. */
	int argc = __wali_argc();
	size_t strs = 0;
	for (int i = 0; i < argc; i++) strs += __wali_argv_len(i) + 1;

	char path[512];
	int fd = -1;
	size_t envsize = 0;
	if (__wali_envfile(path, sizeof path) == 1) {
		fd = __syscall(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
		struct stat st;
		if (fd >= 0 && __syscall(SYS_fstat, fd, &st) == 0) envsize = st.st_size;
	}
	/* At most one variable per byte of the file. */
	size_t words = argc + 1 + envsize + 1 + 4;
	char *block = map(words * sizeof(char *) + strs + envsize + 1);
	char **vec = (char **)block;
	char *s = block + words * sizeof(char *);
	for (int i = 0; i < argc; i++) {
		vec[i] = s;
		__wali_copy_argv(s, i);
		s += __wali_argv_len(i) + 1;
	}
	char *env = s;
	size_t n = 0;
	while (fd >= 0 && n < envsize) {
		long r = __syscall(SYS_read, fd, env + n, envsize - n);
		if (r == -EINTR) continue;
		if (r <= 0) break;
		n += r;
	}
	if (fd >= 0) __syscall(SYS_close, fd);
	env[n] = 0;

	char **envp = vec + argc + 1;
	size_t k = 0;
	for (char *p = env; *p; ) {
		char *nl = strchr(p, '\n');
		if (nl) *nl = 0;
		if (*p) envp[k++] = p;
		if (!nl) break;
		p = nl + 1;
	}
	size_t *aux = (size_t *)(envp + k + 1);
	aux[0] = AT_PAGESZ;
	aux[1] = 4096;
	aux[2] = AT_NULL;
	__libc_start_main(call_main, argc, vec, 0, 0, 0);
}
