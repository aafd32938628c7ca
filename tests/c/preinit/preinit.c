#define _GNU_SOURCE
/* A program with a snapshot point (toolchain/preinit/wali_preinit.c): wali_init builds
 * a table (the "slow start"), allocates, installs a signal handler, sets the umask and a
 * thread-local, and keeps an in-box file (read 2 bytes into it) and directory open;
 * main prints what a run sees: argv, an environment variable, the table's sum, the
 * pid's sanity, getrandom's freshness, the handler and umask kept, the thread-local,
 * the kept descriptors (their numbers, the file's rest, a name opened in the
 * directory), and that a thread and a raise() still work after a restore.
 *
 * WALI_PREINIT_BREAK=thread|socket|child|fd|exit makes wali_init break a snapshot rule. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern int wali_resumed;
static long *table;
static int ready;
static _Thread_local int tls_value;
static volatile sig_atomic_t got;
static int kept_file = -1, kept_dir = -1;

static void on_usr1(int s) { got = s; }
static void *sleeper(void *a) { (void)a; sleep(100); return 0; }
static void *adder(void *a) { return (void *)((long)a + 1); }

static void init(void)
{
	table = malloc(1 << 20);
	for (long i = 0; i < (1 << 20) / (long)sizeof(long); i++) table[i] = i * 3;
	signal(SIGUSR1, on_usr1);
	umask(027);
	tls_value = 42;
	kept_file = open("/app/data.txt", O_RDONLY | O_CLOEXEC);
	char two[2];
	if (read(kept_file, two, 2) != 2) kept_file = -1;
	kept_dir = open("/app", O_RDONLY | O_DIRECTORY);
	ready = 1;
}

int wali_init(int argc, char **argv)
{
	/* Pack's output (stdout is a pipe there, so buffered): never a run's. */
	printf("prepared at pack time\n");
	init();
	const char *b = getenv("WALI_PREINIT_BREAK");
	if (!b) return 0;
	if (!strcmp(b, "thread")) {
		pthread_t t;
		pthread_create(&t, 0, sleeper, 0);
	} else if (!strcmp(b, "socket")) {
		socket(AF_INET, SOCK_STREAM, 0);
	} else if (!strcmp(b, "child")) {
		if (fork() == 0) { sleep(100); _exit(0); }
	} else if (!strcmp(b, "fd")) {
		/* Not the box's: a file of the private /tmp. */
		open("/tmp/preinit-fd", O_CREAT | O_WRONLY, 0600);
	} else if (!strcmp(b, "exit")) {
		return 3;
	}
	(void)argc; (void)argv;
	return 0;
}

int main(int argc, char **argv)
{
	if (!ready) init();
	printf("argc=%d", argc);
	for (int i = 0; i < argc; i++) printf(" [%s]", argv[i]);
	printf("\n");
	const char *g = getenv("GREETING");
	printf("GREETING=%s\n", g ? g : "(unset)");
	long long sum = 0;
	for (long i = 0; i < (1 << 20) / (long)sizeof(long); i++) sum += table[i];
	printf("sum=%lld\n", sum);
	printf("pid ok=%d\n", getpid() > 1 && gettid() == getpid());
	unsigned char r[8];
	getrandom(r, sizeof r, 0);
	fprintf(stderr, "random=%02x%02x%02x%02x%02x%02x%02x%02x\n", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	mode_t m = umask(0);
	printf("umask=%03o tls=%d\n", m, tls_value);
	char rest[16] = {0};
	ssize_t n = read(kept_file, rest, sizeof rest - 1);
	int sub = openat(kept_dir, "data.txt", O_RDONLY);
	printf("kept fd=%d cloexec=%d rest=%s", kept_file, fcntl(kept_file, F_GETFD) & FD_CLOEXEC,
	       n > 0 ? rest : "(none)\n");
	printf("kept dir=%d cloexec=%d openat=%d\n", kept_dir, fcntl(kept_dir, F_GETFD) & FD_CLOEXEC,
	       sub >= 0);
	raise(SIGUSR1);
	printf("handler ran=%d\n", got == SIGUSR1);
	pthread_t t;
	void *res;
	pthread_create(&t, 0, adder, (void *)41);
	pthread_join(t, &res);
	printf("thread=%ld\n", (long)res);
	fprintf(stderr, "resumed=%d\n", wali_resumed);
	return 0;
}
