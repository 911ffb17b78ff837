// scripts/bench-limit/kprobes.c — the floor a plain C program with libbpf
// reaches on a kernel without kprobe.multi: one kprobe (perf event + link) per
// function matching a glob, attached one by one, then, on SIGINT, the links
// destroyed from THREADS threads at once (each removal waits for an RCU grace
// period; threads let those waits overlap). scripts/bench-vs runs it beside
// kpath, bcc and bpftrace in the same boot and times it the same way:
// exec to "Tracing N functions", Ctrl-C to exit.
//
// Usage: kprobes OBJECT GLOB THREADS     (OBJECT: kprobe.bpf.o)
#include <bpf/libbpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct bpf_link **links;
static int nlinks, next;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void *closer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		int i = next < nlinks ? next++ : -1;
		pthread_mutex_unlock(&lock);
		if (i < 0)
			return NULL;
		bpf_link__destroy(links[i]);
	}
}

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l; (void)f; (void)ap;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s OBJECT GLOB THREADS\n", argv[0]);
		return 2;
	}
	int threads = atoi(argv[3]);
	if (threads < 1)
		threads = 1;
	libbpf_set_print(quiet);
	double t0 = now();

	// The functions the kernel lets a kprobe attach to (compiler clones such as
	// .isra.0 included, as kpath and bcc take them), matched and deduplicated.
	FILE *f = fopen("/sys/kernel/tracing/available_filter_functions", "r");
	if (!f)
		f = fopen("/sys/kernel/debug/tracing/available_filter_functions", "r");
	if (!f) {
		perror("available_filter_functions");
		return 1;
	}
	char line[512], **names = NULL;
	int n = 0, cap = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, " \t\n")] = 0;
		if (fnmatch(argv[2], line, 0) != 0)
			continue;
		if (n == cap)
			names = realloc(names, (cap = cap ? cap * 2 : 256) * sizeof *names);
		names[n++] = strdup(line);
	}
	fclose(f);
	qsort(names, n, sizeof *names, cmp);
	int u = 0;
	for (int i = 0; i < n; i++)
		if (u == 0 || strcmp(names[i], names[u - 1]) != 0)
			names[u++] = names[i];
	n = u;

	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "hit");
	double t1 = now();

	links = calloc(n, sizeof *links);
	int skipped = 0;
	for (int i = 0; i < n; i++) {
		struct bpf_link *l = bpf_program__attach_kprobe(prog, false, names[i]);
		if (!l) {
			skipped++;
			continue;
		}
		links[nlinks++] = l;
	}
	double t2 = now();

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("Tracing %d functions for \"%s\" (%d skipped)\n", nlinks, argv[2], skipped);
	fprintf(stderr, "libbpf %s: list+load %.2f s, attach %.2f s\n", libbpf_version_string(), t1 - t0, t2 - t1);
	fflush(stdout);
	int sig;
	sigwait(&set, &sig);

	double t3 = now();
	pthread_t *tids = calloc(threads, sizeof *tids);
	for (int i = 0; i < threads; i++)
		pthread_create(&tids[i], NULL, closer, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	bpf_object__close(obj);
	fprintf(stderr, "detach %d kprobes from %d threads: %.2f s\n", nlinks, threads, now() - t3);
	return 0;
}
