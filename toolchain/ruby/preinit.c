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
 * this run (the core library's Ruby parts and the extensions' registry are not set up
 * again: __wrap_rb_call_builtin_inits). What stays from pack time: everything the
 * ENTRYPOINT's libraries did when required (their constants, caches, opened nothing),
 * and Ruby's per-process hash seed (as in a forked child: existing Hash tables stay
 * valid). */
#include "../preinit/wali_preinit.c"
#include <locale.h>
#include <sys/eventfd.h>
#include <ruby.h>
#include <ruby/encoding.h>

void rb_thread_stop_timer_thread(void);
int rb_locale_charmap_index(void);
int rb_encdb_alias(const char *alias, const char *orig);

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
 * warnings its one-time steps give when run again (RUBY_DESCRIPTION defined again;
 * the others named here are from steps now skipped, kept in case one runs), and
 * nothing else. */
static const char filter_on[] =
	"def Warning.warn(m, **k) = (m.match?(/: warning: (already initialized constant "
	"(RUBY_DESCRIPTION|Encoding::\\w+)|\\S+\\.so is already registered)$|\\A<internal:\\w+>:"
	"\\d+: warning: (method redefined|previous definition)/) ? nil : super)";
static const char filter_off[] = "Warning.singleton_class.send(:remove_method, :warn)";

static VALUE require_one(VALUE lib) { return rb_require(StringValueCStr(lib)); }

/* Set in wali_resume_main: from then on ruby_options is running for the second time in
 * this process's history. */
static int resumed;

/* preinit.sh links with --wrap for these (each called only from ruby_options): on
 * the second run, what they did at pack time is in the snapshot already. The core
 * library's Ruby parts (rb_call_builtin_inits: kernel.rb, array.rb... compiled from
 * source, as a cross-built Ruby has no precompiled builtins) were three quarters of a
 * resumed `puts 1`'s guest time (perf), and running them again only gave "method
 * redefined" warnings; Init_ext registers the built-in extensions, again only a warning
 * each. gem_prelude (Init_builtin_features) still runs: it is small, and it follows this
 * run's --enable/--disable options. */
void __real_rb_call_builtin_inits(void);
void __wrap_rb_call_builtin_inits(void)
{
	if (!resumed) __real_rb_call_builtin_inits();
}
void __real_Init_ext(void);
void __wrap_Init_ext(void)
{
	if (!resumed) __real_Init_ext();
}
/* The encodings' table (each "already initialized constant Encoding::..." again, and
 * encdb.so and transdb.so provided a second time, into $LOADED_FEATURES). */
void __real_Init_enc(void);
void __wrap_Init_enc(void)
{
	if (!resumed) __real_Init_enc();
}

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
	/* As main.c: without it musl stays in the "C" locale, whose charmap is ASCII, and
	 * Ruby's default external encoding would be US-ASCII where a plain run has UTF-8. */
	setlocale(LC_CTYPE, "");
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
	/* This run's LANG/LC_* (ruby_options reads the charmap again). Ruby registers the
	 * "locale" encoding alias once per process (rb_locale_encindex): it is pointed at
	 * this run's charmap here, as a fresh process would register it. */
	setlocale(LC_CTYPE, "");
	{
		int idx = rb_locale_charmap_index();
		rb_encoding *enc = rb_enc_from_index(idx < 0 ? rb_utf8_encindex() : idx);
		if (enc) rb_encdb_alias("locale", rb_enc_name(enc));
	}
	ruby_sysinit(&argc, &argv);
	/* ruby_options runs a second time in this process's history. Two of its one-time
	 * steps are skipped (resumed, above); the others run again: the load path is
	 * rebuilt from empty (from this run's -I and RUBYLIB), and RUBY_DESCRIPTION
	 * would only warn that it is defined already: that warning is filtered out while
	 * it runs (filter_on), every other one passes. */
	rb_ary_clear(rb_gv_get("$LOAD_PATH"));
	resumed = 1;
	rb_eval_string(filter_on);
	{
		void *node = ruby_options(argc, argv);
		rb_eval_string(filter_off);
		return ruby_run_node(node);
	}
}
