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
 * Random seed; the timer thread started again), then ruby_options on this run's whole
 * argv (the -r libraries already loaded are not loaded again: `require` finds them in
 * $LOADED_FEATURES) and ruby_run_node: ARGV, $0, -e, the script, RUBYLIB come from
 * this run. What stays from pack time: everything the ENTRYPOINT's libraries did when
 * required (their constants, caches, opened nothing), and Ruby's per-process hash seed
 * (as in a forked child: existing Hash tables stay valid). */
#include "../preinit/wali_preinit.c"
#include <sys/eventfd.h>
#include <ruby.h>

void rb_thread_stop_timer_thread(void);
void rb_thread_start_timer_thread(void);

/* The descriptors ruby_init opened (its timer thread's), closed at preinit; each run
 * puts a placeholder at each number before Ruby's after-fork path closes them. */
static int internal_fds[8];
static int n_internal;

static int is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

int wali_init(int argc, char **argv)
{
	char *args[argc + 3];
	int n = 0;
	args[n++] = argv[0];
	args[n++] = "-e";
	args[n++] = "";
	for (int i = 1; i < argc; i++) args[n++] = argv[i];
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
	}
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
	rb_thread_atfork();
	rb_thread_start_timer_thread();
	ruby_sysinit(&argc, &argv);
	/* ruby_options runs a second time in this process's history: its one-time steps
	 * (the load path, the built-in extensions' registry, RUBY_DESCRIPTION, the core
	 * library's Ruby parts) run again. The load path is rebuilt from empty (from this
	 * run's -I and RUBYLIB); the rest only warns that it was done before, so warnings
	 * are off while it runs and back to what they were after, unless the run asked for
	 * -W0. */
	rb_ary_clear(rb_gv_get("$LOAD_PATH"));
	VALUE verbose = *rb_ruby_verbose_ptr();
	*rb_ruby_verbose_ptr() = Qnil;
	int quiet = 0;
	const char *opt = getenv("RUBYOPT");
	if (opt && strstr(opt, "-W0")) quiet = 1;
	for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-W0")) quiet = 1;
		if (!strcmp(argv[i], "--") || !strcmp(argv[i], "-e")) break;
	}
	{
		void *node = ruby_options(argc, argv);
		if (NIL_P(*rb_ruby_verbose_ptr()) && !quiet) *rb_ruby_verbose_ptr() = verbose;
		return ruby_run_node(node);
	}
}
