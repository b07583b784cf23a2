// SPDX-License-Identifier: GPL-2.0-only
/* The result sets `compare` reads (see compare.h): a suite's --out
 * directory through its index.json, a directory of `run --json` files, or
 * one results file; each run reduced to its key, verdict and metrics. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/compare.h"

/* Results files are read whole; a run with 100000 wake samples a worker
 * and a few dozen workers is tens of MiB. */
#define RESULTS_MAX (1ull << 30)

static void copy(char *dst, size_t len, const json_t *v, const char *dflt)
{
	snprintf(dst, len, "%s", json_is_string(v) ? json_string_value(v) : dflt);
}

/* The key fields of a key object (the results' own or a suite index's). */
static void key_from(const json_t *key, struct run_key *k)
{
	copy(k->scenario, sizeof(k->scenario), json_object_get(key, "scenario"), "?");
	copy(k->topology, sizeof(k->topology), json_object_get(key, "topology"), "?");
	copy(k->scheduler, sizeof(k->scheduler), json_object_get(key, "scheduler"), "?");
	copy(k->kernel, sizeof(k->kernel), json_object_get(key, "kernel"), "?");
	k->repeat = (int)json_integer_value(json_object_get(key, "repeat"));
}

int compare_run_from_json(const json_t *res, const char *file, struct compare_run *r)
{
	const json_t *key = json_object_get(res, "key");
	const json_t *dil = json_object_get(res, "dilation");

	memset(r, 0, sizeof(*r));
	snprintf(r->file, sizeof(r->file), "%s", file);
	copy(r->verdict, sizeof(r->verdict), json_object_get(res, "verdict"), "?");
	r->starved = json_is_true(json_object_get(dil, "starved"));
	copy(r->cpu_model, sizeof(r->cpu_model),
	     json_object_get(json_object_get(res, "host"), "cpu_model"), "");
	if (json_is_object(key)) {
		key_from(key, &r->key);
	} else {
		/* Results from before keys: what they have. */
		const json_t *t = json_object_get(res, "topology");

		copy(r->key.scenario, sizeof(r->key.scenario), json_object_get(res, "scenario"), "?");
		snprintf(r->key.topology, sizeof(r->key.topology), "%lldn%lldl%lldc%lldt",
			 json_integer_value(json_object_get(t, "numa")),
			 json_integer_value(json_object_get(t, "llcs")),
			 json_integer_value(json_object_get(t, "cores")),
			 json_integer_value(json_object_get(t, "threads")));
		snprintf(r->key.scheduler, sizeof(r->key.scheduler), "?");
		copy(r->key.kernel, sizeof(r->key.kernel),
		     json_object_get(json_object_get(res, "kernel"), "release"), "?");
	}
	return metrics_extract(res, &r->v, &r->n_v);
}

static bool is_results(const json_t *j)
{
	return json_is_object(j) && json_is_integer(json_object_get(j, "schema")) &&
	       json_is_string(json_object_get(j, "verdict")) &&
	       json_is_array(json_object_get(j, "cgroups"));
}

/* Load file into s; index_key (a suite's key for it) overrides the
 * results' own. must: a file that is not results is an error, else it is
 * passed over. */
static int add_run(struct compare_set *s, const char *file, const json_t *index_key, bool must,
		   char *msg, size_t len)
{
	json_error_t jerr;
	json_t *j = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	struct compare_run *nr;

	if (!j) {
		snprintf(msg, len, "%s:%d:%d: not JSON: %s", file, jerr.line, jerr.column,
			 jerr.text);
		return -1;
	}
	if (!is_results(j)) {
		json_decref(j);
		if (must)
			snprintf(msg, len, "%s: not a results file (no schema, verdict and cgroups; "
				 "see docs/results.md)", file);
		return must ? -1 : 0;
	}
	if (!strcmp(json_string_value(json_object_get(j, "verdict")), "error")) {
		/* The run went wrong: its numbers are partial or none. */
		s->errors++;
		json_decref(j);
		return 0;
	}
	if (!(nr = realloc(s->runs, (s->n + 1) * sizeof(*nr))) ||
	    compare_run_from_json(j, file, &(s->runs = nr)[s->n])) {
		if (nr)
			free(nr[s->n].v);
		json_decref(j);
		snprintf(msg, len, "%s: out of memory", file);
		return -1;
	}
	if (json_is_object(index_key))
		key_from(index_key, &s->runs[s->n].key);
	s->n++;
	json_decref(j);
	return 0;
}

/* A suite's index.json: { "runs": [ { "key": {...}, "verdict": V,
 * "results": FILE, ... }, ... ] }, FILE relative to the directory; a run
 * without results (skipped, cancelled, not run) is counted and passed
 * over. The index's key is the suite's word for the run. */
static int load_index(struct compare_set *s, const char *dir, const char *index,
		      char *msg, size_t len)
{
	json_error_t jerr;
	json_t *j = json_load_file(index, 0, &jerr), *runs, *e;
	size_t i;
	int ret = 0;

	if (!j) {
		snprintf(msg, len, "%s:%d:%d: %s", index, jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_array(runs = json_object_get(j, "runs"))) {
		snprintf(msg, len, "%s: no \"runs\" array", index);
		json_decref(j);
		return -1;
	}
	json_array_foreach(runs, i, e) {
		const char *f = json_string_value(json_object_get(e, "results"));
		char path[1024];

		if (!json_is_object(e)) {
			snprintf(msg, len, "%s: runs[%zu] is not an object", index, i);
			ret = -1;
			break;
		}
		if (!f) {
			s->not_run++;
			continue;
		}
		/* Relative to the directory; a path that already leads there
		 * from here is taken as it is. */
		snprintf(path, sizeof(path), "%s%s%s", f[0] == '/' ? "" : dir,
			 f[0] == '/' ? "" : "/", f);
		if (f[0] != '/' && access(path, F_OK) && !access(f, F_OK))
			snprintf(path, sizeof(path), "%s", f);
		if ((ret = add_run(s, path, json_object_get(e, "key"), true, msg, len)))
			break;
	}
	json_decref(j);
	return ret;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int json_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && !strcmp(d->d_name + n - 5, ".json") && strcmp(d->d_name, "index.json");
}

int compare_set_load(const char *path, struct compare_set *s, char *msg, size_t len)
{
	char index[1024];
	struct dirent **names;
	struct stat st;
	int n, ret = 0;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (stat(path, &st)) {
		snprintf(msg, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return add_run(s, path, NULL, true, msg, len);
	snprintf(index, sizeof(index), "%s/index.json", path);
	if (!access(index, F_OK))
		return load_index(s, path, index, msg, len);
	/* No index: every results file in it (others, such as a comparison
	 * written there, are passed over). */
	if ((n = scandir(path, &names, json_file, by_name)) < 0) {
		snprintf(msg, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char file[1024];

		snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
		if (!ret)
			ret = add_run(s, file, NULL, false, msg, len);
		free(names[i]);
	}
	free(names);
	if (!ret && !s->n && !s->errors) {
		snprintf(msg, len, "%s: no index.json and no results file in it", path);
		ret = -1;
	}
	return ret;
}

void compare_set_free(struct compare_set *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->runs[i].v);
	free(s->runs);
	s->runs = NULL;
	s->n = 0;
}
