/* cmd.h — the subcommands of the `vmtap` program.  Each is a main of its
 * own: it parses its argv, calls the core, prints, and returns the exit
 * status.  Add one line here and one in vmtap-main.c's table per command. */
#ifndef VMTAP_CMD_H
#define VMTAP_CMD_H

int cmd_exec(int argc, char **argv);

/* "vmtap: MESSAGE" on stderr; returns status (1 for failures, 2 for usage
 * errors). */
int cmd_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
