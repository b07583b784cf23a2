// SPDX-License-Identifier: GPL-2.0-only
/* Runs apt-get / apt-cache against a private apt state (own sources, lists
 * and archive cache) so fetching the default kernel never touches the
 * machine's own apt state. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/apt.h"
#include "kernels/internal.h"

#define MAX_ARGS 32

int apt_state_init(struct apt_state *a, const char *root,
		   const struct apt_source *src, char *msg, size_t msglen)
{
	static const char *const dirs[] = {
		"etc/sources.list.d", "etc/preferences.d", "state/lists/partial",
		"cache/archives/partial",
	};
	char p[4400], text[3000];

	snprintf(a->root, sizeof(a->root), "%s", root);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		if (kmkdir_p(p, msg, msglen))
			return -1;
	}
	snprintf(p, sizeof(p), "%s/etc/sources.list", root);
	if (kwrite_str(p, "", msg, msglen))
		return -1;
	snprintf(text, sizeof(text),
		 "Types: deb\nURIs: %s\nSuites: trixie trixie-backports\n"
		 "Components: main\nArchitectures: amd64\nSigned-By: %s\n",
		 src->uri, src->keyring);
	snprintf(p, sizeof(p), "%s/etc/sources.list.d/ktstr-run.sources", root);
	return kwrite_str(p, text, msg, msglen);
}

/* argv = tool + the options pointing apt at the private state + extra. */
struct apt_argv {
	char *argv[MAX_ARGS];
	char opts[12][4400];
	int n;
};

static void apt_argv(struct apt_argv *v, const struct apt_state *a,
		     const char *tool)
{
	const char *r = a->root;
	int o = 0;

	v->n = 0;
	v->argv[v->n++] = (char *)tool;
	v->argv[v->n++] = "-q";
#define OPT(...) do { \
		snprintf(v->opts[o], sizeof(v->opts[o]), __VA_ARGS__); \
		v->argv[v->n++] = "-o"; \
		v->argv[v->n++] = v->opts[o++]; \
	} while (0)
	OPT("Dir::Etc::SourceList=%s/etc/sources.list", r);
	OPT("Dir::Etc::SourceParts=%s/etc/sources.list.d", r);
	OPT("Dir::Etc::Preferences=%s/etc/preferences", r);
	OPT("Dir::Etc::PreferencesParts=%s/etc/preferences.d", r);
	OPT("Dir::State=%s/state", r);
	OPT("Dir::Cache=%s/cache", r);
	OPT("Dir::State::status=/var/lib/dpkg/status");
	OPT("APT::Architectures=amd64");
	OPT("Acquire::Languages=none");
	/* Root would hand downloads to the _apt user, who cannot write into a
	 * private directory under $HOME; non-root apt does not sandbox. */
	if (geteuid() == 0)
		OPT("APT::Sandbox::User=root");
#undef OPT
	v->argv[v->n] = NULL;
}

static void apt_arg(struct apt_argv *v, const char *arg)
{
	if (v->n + 1 < MAX_ARGS) {
		v->argv[v->n++] = (char *)arg;
		v->argv[v->n] = NULL;
	}
}

int apt_update(struct apt_state *a, char *msg, size_t msglen)
{
	struct apt_argv v;
	char err[1024];
	int rc;

	apt_argv(&v, a, "apt-get");
	apt_arg(&v, "update");
	rc = krun(v.argv, NULL, NULL, err, sizeof(err));
	if (rc)
		return errf(msg, msglen, "apt-get update (private state in %s) failed (exit %d): %s",
			    a->root, rc, err);
	return 0;
}

int apt_show(struct apt_state *a, const char *pkg, struct apt_pkg *out,
	     char *msg, size_t msglen)
{
	struct apt_argv v;
	char err[1024];
	char *show = NULL;
	int rc;

	apt_argv(&v, a, "apt-cache");
	apt_arg(&v, "show");
	apt_arg(&v, pkg);
	rc = krun(v.argv, NULL, &show, err, sizeof(err));
	if (rc) {
		free(show);
		return errf(msg, msglen, "apt-cache show %s failed (exit %d): %s", pkg, rc, err);
	}
	rc = apt_pick_newest(show, pkg, out);
	free(show);
	if (rc)
		return errf(msg, msglen, "apt-cache show %s: no version found in trixie or trixie-backports",
			    pkg);
	return 0;
}

static int find_deb(const char *dir, const char *name, char *path, size_t len)
{
	size_t nl = strlen(name);
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = -ENOENT;

	while (d && ret && (de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > nl + 5 && !strncmp(de->d_name, name, nl) &&
		    de->d_name[nl] == '_' && !strcmp(de->d_name + l - 4, ".deb")) {
			snprintf(path, len, "%s/%s", dir, de->d_name);
			ret = 0;
		}
	}
	if (d)
		closedir(d);
	return ret;
}

int apt_download(struct apt_state *a, const struct apt_pkg *pkg,
		 const char *dir, char *path, size_t pathlen,
		 char *msg, size_t msglen)
{
	char spec[400], err[1024];
	struct apt_argv v;
	int rc;

	snprintf(spec, sizeof(spec), "%s=%s", pkg->name, pkg->version);
	apt_argv(&v, a, "apt-get");
	apt_arg(&v, "download");
	apt_arg(&v, spec);
	rc = krun(v.argv, dir, NULL, err, sizeof(err));
	if (rc)
		return errf(msg, msglen, "apt-get download %s failed (exit %d): %s",
			    spec, rc, err);
	if (find_deb(dir, pkg->name, path, pathlen))
		return errf(msg, msglen, "apt-get download %s left no %s_*.deb in %s",
			    spec, pkg->name, dir);
	return 0;
}
