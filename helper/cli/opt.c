/* opt.c — option values shared by vmtap's commands (see cmd.h): out of
 * main.c and cmd-tap.c so that a parser can be linked, and tested, without
 * a command's main. */
#include <errno.h>
#include <string.h>

#include "helper/cli/cmd.h"
#include "helper/core/err.h"
#include "helper/core/parse.h"

const char *cmd_opt_value(int argc, char **argv, int *i, const char *name)
{
	return parse_opt_value(argc, argv, i, name);
}
