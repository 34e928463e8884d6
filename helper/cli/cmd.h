/* cmd.h — the subcommands of the `vmtap` program.  Each is a main of its
 * own: it parses its argv, calls the core, prints, and returns the exit
 * status.  Add one line here and one in main.c's cmd_table per command. */
#ifndef VMTAP_CMD_H
#define VMTAP_CMD_H

struct vmtap_err;

int cmd_exec(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_hotplug(int argc, char **argv);
int cmd_unplug(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_libvirt_hook(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_completion(int argc, char **argv);

/* The command table (main.c): vmtap --help, the dispatch and the
 * completion script (cmd-completion.c) read it. */
struct cmd_entry {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *opts;  /* "--a= --b": options; '=' marks one taking a value */
	unsigned fields;   /* FRONT_* bit: the field table's rows it takes as --KEY */
};
extern const struct cmd_entry cmd_table[];
extern const unsigned cmd_count;

/* parse_opt_value (helper/core/parse.h), under the name vmtap's commands
 * use. */
const char *cmd_opt_value(int argc, char **argv, int *i, const char *name);

/* "vmtap: MESSAGE" on stderr; returns status (1 for failures, 2 for usage
 * errors). */
int cmd_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
