#include <stdio.h>

#include "config.h"
#include "xfrmctl.h"

int cmd_validate(const struct ctl_opts *o, int argc, char **argv)
{
	const char *path = file_arg(argc, argv, "validate");
	struct cfg_config *cfg;
	char warning[384];

	if (!path)
		return 2;
	cfg = load_config(path);
	if (!cfg)
		return 1;
	for (size_t i = 0; i < cfg->n_conns; i++)
		if (cfg_weak_warning(&cfg->conns[i], warning, sizeof(warning)))
			fprintf(stderr, "warning: %s\n", warning);
	printf("%s: configuration OK (%zu connections)\n", path, cfg->n_conns);
	cfg_free(cfg);
	return 0;
}
