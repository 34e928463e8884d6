/* driver.c — runs a libFuzzer harness's LLVMFuzzerTestOneInput once over
 * each input given on the command line (a file, or a directory whose
 * regular files are all taken), so the seed corpus and any saved crash can
 * be replayed by `make check` with gcc, without clang's libFuzzer.
 * Exits non-zero if an input cannot be read; a crash in the harness is a
 * crash here too. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *prog = "driver";

static int run_file(const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0, cap = 0;
	int fd, r = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t got;

		if (len == cap) {
			uint8_t *bigger = realloc(data, cap ? cap * 2 : 4096);

			if (!bigger) {
				fprintf(stderr, "%s: %s: out of memory\n", prog, path);
				goto out;
			}
			data = bigger;
			cap = cap ? cap * 2 : 4096;
		}
		got = read(fd, data + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	/* Like libFuzzer: the harness gets exactly len bytes in their own
	 * allocation, so a read past the end is a sanitizer error. */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact) {
			fprintf(stderr, "%s: %s: out of memory\n", prog, path);
			goto out;
		}
		memcpy(exact, data, len);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	r = 0;
out:
	free(data);
	close(fd);
	return r;
}

static int run_path(const char *path, unsigned *runs)
{
	struct dirent **ents;
	struct stat st;
	int n, i, r = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (run_file(path) < 0)
			return -1;
		(*runs)++;
		return 0;
	}
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		char sub[4096];

		if (ents[i]->d_name[0] != '.' && r == 0) {
			snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
			if (stat(sub, &st) == 0 && S_ISREG(st.st_mode)) {
				if (run_file(sub) < 0)
					r = -1;
				else
					(*runs)++;
			}
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

int main(int argc, char **argv)
{
	unsigned runs = 0;
	int i;

	if (argc > 0 && argv[0][0]) {
		const char *slash = strrchr(argv[0], '/');

		prog = slash ? slash + 1 : argv[0];
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...  (runs each input through the fuzz harness once)\n", prog);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (run_path(argv[i], &runs) < 0)
			return 1;
	printf("%s: %u inputs replayed, no crash\n", prog, runs);
	return 0;
}
