/* Ruby's entry points for `wali-run pack --preinit` (toolchain/preinit/wali_preinit.c
 * has the generic part; docs/box.md, "Snapshots", the rules).
 *
 * wali_init (at pack time, argv = the box's ENTRYPOINT words): what main.c does
 * (ruby_sysinit, ruby_init) and then ruby_options on those words with `-e ""`, so the
 * ENTRYPOINT's -r libraries (and RUBYOPT's) are required into the snapshot and nothing
 * runs. Then Ruby is made single-threaded: its timer thread is stopped, and the
 * descriptors ruby_init opened for it (an eventfd) are closed: the snapshot rules.
 *
 * wali_resume_main (each run, argv and environment this run's): what a forked child
 * does (rb_thread_atfork: this thread the only one, a new fork generation, a fresh
 * Random seed, the timer thread started again), then ruby_options on this run's whole
 * argv (the -r libraries already loaded are not loaded again: `require` finds them in
 * $LOADED_FEATURES) and ruby_run_node: ARGV, $0, -e, the script, RUBYLIB come from
 * this run. What stays from pack time: everything the ENTRYPOINT's libraries did when
 * required (their constants, caches, opened nothing), and Ruby's per-process hash seed
 * (as in a forked child: existing Hash tables stay valid). */
#include "../preinit/wali_preinit.c"
#include <sys/eventfd.h>
#include <ruby.h>

void rb_thread_stop_timer_thread(void);

/* The descriptors ruby_init opened (its timer thread's), closed at preinit; each run
 * puts a placeholder at each number before Ruby's after-fork path closes them. */
static int internal_fds[8];
static int n_internal;

static int is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

/* Process.pid and $$ read a pid Ruby caches at the first call (process.c, cleared
 * only by its own fork path): a library that asked at pack time would leave the
 * pack-time pid in the snapshot. These ask the kernel each time. */
static VALUE fresh_pid(void) { return INT2NUM(getpid()); }
static VALUE fresh_pid_m(VALUE self) { (void)self; return fresh_pid(); }
static VALUE fresh_pid_gv(ID id, VALUE *data) { (void)id; (void)data; return fresh_pid(); }

/* While the second ruby_options runs (wali_resume_main), Warning.warn drops the
 * warnings its one-time steps give when run again, and nothing else. */
static const char filter_on[] =
	"def Warning.warn(m, **k) = (m.match?(/: warning: (already initialized constant "
	"(RUBY_DESCRIPTION|Encoding::\\w+)|\\S+\\.so is already registered)$|\\A<internal:\\w+>:"
	"\\d+: warning: (method redefined|previous definition)/) ? nil : super)";
static const char filter_off[] = "Warning.singleton_class.send(:remove_method, :warn)";

static VALUE require_one(VALUE lib) { return rb_require(StringValueCStr(lib)); }

int wali_init(int argc, char **argv)
{
	/* The ENTRYPOINT's -r libraries are required here, after ruby_options has set
	 * Ruby up with `-e ""` and the other options: an error in one is reported as a
	 * plain run reports it, and ends the pack (exit status 1). */
	char *args[argc + 3];
	char *libs[argc + 1];
	int n = 0, nlibs = 0;
	args[n++] = argv[0];
	args[n++] = "-e";
	args[n++] = "";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") || argv[i][0] != '-') {
			for (; i < argc; i++) args[n++] = argv[i];
			break;
		}
		if (!strncmp(argv[i], "-r", 2)) {
			if (argv[i][2]) libs[nlibs++] = argv[i] + 2;
			else if (i + 1 < argc) libs[nlibs++] = argv[++i];
			continue;
		}
		args[n++] = argv[i];
		/* Options whose argument may be the next word. */
		if ((!strcmp(argv[i], "-I") || !strcmp(argv[i], "-C") || !strcmp(argv[i], "-E") ||
		     !strcmp(argv[i], "-e")) && i + 1 < argc)
			args[n++] = argv[++i];
	}
	args[n] = 0;
	char **av = args;
	ruby_sysinit(&n, &av);
	char before[64];
	for (int fd = 0; fd < 64; fd++) before[fd] = is_open(fd);
	{
		RUBY_INIT_STACK;
		ruby_init();
		for (int fd = 3; fd < 64 && n_internal < 8; fd++)
			if (!before[fd] && is_open(fd)) internal_fds[n_internal++] = fd;
		void *node = ruby_options(n, av);
		int state;
		if (!ruby_executable_node(node, &state)) return state ? state : 1;
		for (int i = 0; i < nlibs; i++) {
			rb_protect(require_one, rb_str_new_cstr(libs[i]), &state);
			if (state) {
				rb_set_errinfo(rb_errinfo());
				return ruby_cleanup(state);
			}
		}
	}
	/* What the libraries printed is pack's output: flushed now, not held in Ruby's
	 * buffers to come out again at every run. */
	rb_io_flush(rb_stdout);
	rb_io_flush(rb_stderr);
	rb_define_module_function(rb_mProcess, "pid", fresh_pid_m, 0);
	rb_define_virtual_variable("$$", fresh_pid_gv, 0);
	rb_thread_stop_timer_thread();
	for (int i = 0; i < n_internal; i++) close(internal_fds[i]);
	return 0;
}

int wali_resume_main(int argc, char **argv)
{
	for (int i = 0; i < n_internal; i++) {
		int fd = eventfd(0, EFD_CLOEXEC);
		if (fd >= 0 && fd != internal_fds[i]) {
			dup2(fd, internal_fds[i]);
			close(fd);
		}
	}
	/* A forked child's path: it also starts the timer thread again (a second start
	 * would make a second timer thread, left running at exit). */
	rb_thread_atfork();
	ruby_sysinit(&argc, &argv);
	/* ruby_options runs a second time in this process's history: its one-time steps
	 * (the load path, the built-in extensions' registry, RUBY_DESCRIPTION, the core
	 * library's Ruby parts) run again. The load path is rebuilt from empty (from this
	 * run's -I and RUBYLIB); the rest would only warn that it ran before: those
	 * warnings are filtered out while it runs (filter_on), every other one passes. */
	rb_ary_clear(rb_gv_get("$LOAD_PATH"));
	rb_eval_string(filter_on);
	{
		void *node = ruby_options(argc, argv);
		rb_eval_string(filter_off);
		return ruby_run_node(node);
	}
}
