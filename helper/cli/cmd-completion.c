/* cmd-completion.c — `vmtap completion bash`: prints vmtap's bash
 * completion script, built from the tables the program itself runs on —
 * the command table (main.c, cmd_table: commands and their options) and
 * the NIC field table (field.h: vmtap create's --KEY options, the NIC
 * SPEC's keys, the words a key takes) — so the script cannot drift from
 * what the parsers accept.  `make` generates build/completion/vmtap with
 * it and `make install` installs that.
 *
 * The script parses the command line itself (COMP_LINE up to COMP_POINT,
 * split at blanks) rather than COMP_WORDS: bash splits words at '=' and
 * ':' (COMP_WORDBREAKS), which a NIC SPEC such as br0,vhost=on and a MAC
 * are full of.  Only what bash calls the current word is replaced.
 *
 * Prints to stdout, reads nothing, needs no privilege. */
#include <stdio.h>
#include <string.h>

#include "helper/cli/cmd.h"
#include "helper/cli/nic-opt.h"
#include "helper/core/field.h"

/* Writes word after the others of a list joined by sep. */
static void put_word(const char *sep, int *first, const char *word, int n)
{
	printf("%s%.*s", *first ? "" : sep, n, word);
	*first = 0;
}

/* The options of an opts string ("--x" or "--x=", which takes a value);
 * with_value: 1 those that take one, 0 flags, -1 all. */
static void put_opts(const char *opts, int with_value, const char *sep, int *first)
{
	const char *p = opts + strspn(opts, " ");

	while (*p) {
		size_t n = strcspn(p, " ");
		int value = p[n - 1] == '=';

		if (with_value < 0 || value == with_value)
			put_word(sep, first, p, (int)(value ? n - 1 : n));
		p += n;
		p += strspn(p, " ");
	}
}

/* The table's rows FRONT takes, as that front spells them (--queues,
 * --vnet-hdr); with_value as for put_opts (a bool row is a flag). */
static void put_fields(unsigned front, int with_value, const char *sep, int *first)
{
	char name[NIC_FIELD_NAME_MAX];
	unsigned i;

	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];
		int value = f->type != NFT_BOOL;

		if ((f->fronts & front) && (with_value < 0 || value == with_value))
			put_word(sep, first, nic_field_name(f, front, name), -1);
	}
}

/* A row whose values are a fixed set of words: an enum, or a switch. */
static bool has_words(const struct nic_field *f)
{
	return f->type == NFT_WORD || f->type == NFT_SWITCH;
}

static void put_words(const struct nic_field *f)
{
	const struct nic_word *w;

	if (f->type == NFT_SWITCH) {
		printf(" on off");
		return;
	}
	for (w = f->words; w && w->word; w++)
		printf(" %s", w->word);
}

/* _vmtap_value OPTION ARG: the value's candidates.  vmtap create's --KEY
 * from what its row says the values are (words, a bridge); the other
 * options by what they name. */
static void put_value_function(void)
{
	char name[NIC_FIELD_NAME_MAX];
	unsigned i;

	printf("_vmtap_value() {\n"
	       "\tcase $1 in\n"
	       "\t--nic) _vmtap_spec ;;\n"
	       "\t--socket|--helper|--qmp) _vmtap_reply \"$(compgen -f -- \"$2\")\" ;;\n"
	       "\t--owner) _vmtap_reply \"$(compgen -u -- \"$2\")\" ;;\n"
	       "\t--group) _vmtap_reply \"$(compgen -g -- \"$2\")\" ;;\n");
	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];

		if (!(f->fronts & FRONT_CREATE))
			continue;
		if (has_words(f)) {
			printf("\t%s) _vmtap_words", nic_field_name(f, FRONT_CREATE, name));
			put_words(f);
			printf(" ;;\n");
		} else if (!strcmp(f->key, "bridge")) {
			printf("\t%s) _vmtap_words $(_vmtap_bridges) ;;\n",
			       nic_field_name(f, FRONT_CREATE, name));
		}
	}
	printf("\tesac\n"
	       "}\n\n");
}

/* _vmtap_spec: BRIDGE first, then KEY= of the table's FRONT_SPEC rows and
 * the SPEC's own keys, and a word key's words after its '='. */
static void put_spec_function(void)
{
	char name[NIC_FIELD_NAME_MAX];
	unsigned i;

	printf("_vmtap_spec() {\n"
	       "\tlocal head= tail=$_vmtap_arg key w c=()\n"
	       "\tcase $tail in *,*) head=${tail%%,*}, tail=${tail##*,} ;; esac\n"
	       "\tif [[ $tail == *=* ]]; then\n"
	       "\t\tkey=${tail%%%%=*}\n"
	       "\t\tcase $key in\n");
	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];

		if (!(f->fronts & FRONT_SPEC))
			continue;
		if (has_words(f)) {
			printf("\t\t%s) w=\"", nic_field_name(f, FRONT_SPEC, name));
			put_words(f);
			printf("\" ;;\n");
		} else if (!strcmp(f->key, "bridge")) {
			printf("\t\t%s) w=$(_vmtap_bridges) ;;\n", nic_field_name(f, FRONT_SPEC, name));
		} else if (!strcmp(f->key, "queues")) {
			/* nic-opt.c's own word for the vCPU count. */
			printf("\t\t%s) w=auto ;;\n", nic_field_name(f, FRONT_SPEC, name));
		}
	}
	printf("\t\tesac\n"
	       "\t\tfor w in $w; do [[ $key=$w == \"$tail\"* ]] && c+=(\"$head$key=$w\"); done\n"
	       "\telse\n"
	       "\t\tif [ -z \"$head\" ]; then\n"
	       "\t\t\tfor w in $(_vmtap_bridges); do [[ $w == \"$tail\"* ]] && c+=(\"$w\"); done\n"
	       "\t\tfi\n"
	       "\t\tfor w in");
	for (i = 0; i < nic_nfields; i++)
		if (nic_fields[i].fronts & FRONT_SPEC)
			printf(" %s", nic_field_name(&nic_fields[i], FRONT_SPEC, name));
	for (i = 0; nic_opt_own_keys[i]; i++)
		printf(" %s", nic_opt_own_keys[i]);
	printf("; do\n"
	       "\t\t\t[[ $w == \"$tail\"* ]] && c+=(\"$head$w=\")\n"
	       "\t\tdone\n"
	       "\t\tcompopt -o nospace 2>/dev/null\n"
	       "\tfi\n"
	       "\t_vmtap_reply \"${c[*]}\"\n"
	       "}\n\n");
}

static void put_script(void)
{
	unsigned i;

	printf("# bash completion for vmtap %s\n"
	       "# Generated by `vmtap completion bash` from vmtap's command table and NIC\n"
	       "# field table; do not edit (regenerate it).\n\n",
	       VMTAP_VERSION);

	/* A candidate list CANDS (whole arguments) as COMPREPLY: bash replaces
	 * only its current word, the tail of $_vmtap_arg after the last
	 * COMP_WORDBREAKS character. */
	printf("_vmtap_reply() {\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]} cut w\n"
	       "\t[[ $_vmtap_arg == *\"$cur\" ]] || cur=\n"
	       "\tcut=$(( ${#_vmtap_arg} - ${#cur} ))\n"
	       "\tCOMPREPLY=()\n"
	       "\tfor w in $1; do COMPREPLY+=(\"${w:cut}\"); done\n"
	       "}\n\n"
	       "_vmtap_words() {\n"
	       "\tlocal w c=()\n"
	       "\tfor w; do [[ $w == \"$_vmtap_arg\"* ]] && c+=(\"$w\"); done\n"
	       "\t_vmtap_reply \"${c[*]}\"\n"
	       "}\n\n"
	       "_vmtap_bridges() {\n"
	       "\tlocal d\n"
	       "\tfor d in /sys/class/net/*/bridge; do\n"
	       "\t\t[ -d \"$d\" ] && d=${d%%/bridge} && echo \"${d##*/}\"\n"
	       "\tdone\n"
	       "}\n\n");
	put_value_function();
	put_spec_function();

	printf("_vmtap() {\n"
	       "\tlocal line=${COMP_LINE:0:COMP_POINT} w=() cmd= prev= i opts\n"
	       "\tread -ra w <<<\"$line\"\n"
	       "\t[[ $line == *[[:blank:]] ]] && w+=(\"\")\n"
	       "\t_vmtap_arg=${w[${#w[@]}-1]}\n"
	       "\t(( ${#w[@]} > 1 )) && prev=${w[${#w[@]}-2]}\n"
	       "\tfor ((i = 1; i < ${#w[@]} - 1; i++)); do\n"
	       "\t\t[ \"${w[i]}\" = -- ] && return 0\n"
	       "\t\t[ -z \"$cmd\" ] && [[ ${w[i]} != -* ]] && cmd=${w[i]}\n"
	       "\tdone\n"
	       "\tif [ -z \"$cmd\" ]; then\n"
	       "\t\t_vmtap_words");
	for (i = 0; i < cmd_count; i++)
		printf(" %s", cmd_table[i].name);
	printf(" --help --version\n"
	       "\t\treturn 0\n"
	       "\tfi\n"
	       "\tcase $cmd in\n");
	for (i = 0; i < cmd_count; i++) {
		const struct cmd_entry *c = &cmd_table[i];
		int first = 1;

		printf("\t%s)\n", c->name);
		/* After an option that takes a value: the value. */
		if (strchr(c->opts, '=') || c->fields) {
			printf("\t\tcase $prev in\n\t\t");
			put_opts(c->opts, 1, "|", &first);
			put_fields(c->fields, 1, "|", &first);
			printf(") _vmtap_value \"$prev\" \"$_vmtap_arg\"; return 0 ;;\n\t\tesac\n");
		}
		first = 1;
		printf("\t\topts=\"");
		put_opts(c->opts, -1, " ", &first);
		put_fields(c->fields, -1, " ", &first);
		put_word(" ", &first, "--help", -1);
		printf("\" ;;\n");
	}
	printf("\t*) return 0 ;;\n"
	       "\tesac\n"
	       "\t[ \"$cmd\" = completion ] && [[ $_vmtap_arg != -* ]] && opts=bash\n"
	       "\t_vmtap_words $opts\n"
	       "}\n\n"
	       "complete -o default -F _vmtap vmtap\n");
}

int cmd_completion(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "bash")) {
		put_script();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		printf("Usage: vmtap completion bash\n"
		       "\n"
		       "Prints vmtap's bash completion script: subcommands, their options, NIC SPEC\n"
		       "keys and their words, from the tables vmtap itself parses with.  Installed\n"
		       "as share/bash-completion/completions/vmtap; or: source <(vmtap completion bash)\n");
		return 0;
	}
	return cmd_fail(2, "completion: expected \"bash\"; see vmtap completion --help");
}
