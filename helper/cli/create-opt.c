/* create-opt.c — vmtap create's command line (see create-opt.h). */
#include "helper/cli/create-opt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "helper/cli/cmd.h"
#include "helper/core/field.h"
#include "helper/core/ids.h"
#include "helper/wire/obtain.h"

/* argv[*i] as one of the table's fields that vmtap create takes
 * (--KEY VALUE, --KEY=VALUE; a bool is a bare --KEY), its value in *v
 * (NULL for a bool), or NULL. */
static const struct nic_field *create_option(int argc, char **argv, int *i, const char **v)
{
	const char *arg = argv[*i], *eq = strchr(arg, '=');
	char name[NIC_FIELD_NAME_MAX];
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct nic_field *f;

	if (strncmp(arg, "--", 2) || len >= sizeof(name))
		return NULL;
	memcpy(name, arg, len);
	name[len] = '\0';
	if (!(f = nic_field_by_name(FRONT_CREATE, name)))
		return NULL;
	if (f->type == NFT_BOOL) {
		*v = NULL;
		return eq ? NULL : f;
	}
	*v = cmd_opt_value(argc, argv, i, name);
	return *v ? f : NULL;
}

int create_args_parse(int argc, char **argv, struct create_args *a, struct vmtap_err *err)
{
	const struct nic_field *f;
	const char *v;
	int i, r;

	memset(a, 0, sizeof(*a));
	nic_spec_init(&a->spec);
	a->spec.persist = true;
	a->spec.vnet_hdr = false;
	a->sock = VMTAPD_SOCKET;
	a->owner_arg = a->group_arg = "";
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			a->help = true;
			return 0;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--socket"))) {
			a->sock = v;
		} else if ((f = create_option(argc, argv, &i, &v))) {
			char as[NIC_FIELD_NAME_MAX], num[16];
			const char *value = v;

			nic_field_name(f, FRONT_CREATE, as);
			/* A user or a group may be named. */
			if (f->type == NFT_ID) {
				struct vmtap_err why = { "" };
				unsigned id;

				if ((r = id_resolve(f->gid, v, &id, &why)) < 0)
					return vmtap_fail(err, r, "%s %s: %s", as, v, why.msg);
				snprintf(num, sizeof(num), "%u", id);
				value = num;
				*(f->gid ? &a->group_arg : &a->owner_arg) = v;
			}
			if ((r = nic_field_set(&a->spec, f, as, ' ', value, err)) < 0)
				return r;
		} else if (argv[i][0] == '-') {
			return vmtap_fail(err, -EINVAL, "create: unknown or incomplete option \"%s\"; "
					  "see vmtap create --help", argv[i]);
		} else if (a->name) {
			return vmtap_fail(err, -EINVAL, "create: one NAME only (\"%s\" and \"%s\")",
					  a->name, argv[i]);
		} else {
			a->name = argv[i];
		}
	}
	return 0;
}
