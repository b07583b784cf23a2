// SPDX-License-Identifier: GPL-2.0-only
/* The Debian archive found in apt sources fixtures (one-line and deb822)
 * and apt-cache show parsing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fixtures.h"
#include "kernels/apt.h"

static void setup(void)
{
	char p[512];

	fx_suite_init();
	snprintf(p, sizeof(p), "%s/sources.list.d", fx_dir);
	mkdir(p, 0755);
}

TestSuite(apt_sources, .init = setup, .fini = fx_suite_fini, .timeout = 30);

static void put(const char *name, const char *text)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", fx_dir, name);
	fx_write(p, text, strlen(text));
}

/* put() of head, then n times fill, then tail: a line longer than the
 * parser's buffer. */
static void put_long(const char *name, const char *head, char fill, int n, const char *tail)
{
	char text[8192];
	int len = snprintf(text, sizeof(text), "%s", head);

	cr_assert_lt(len + n, (int)sizeof(text));
	memset(text + len, fill, n);
	snprintf(text + len + n, sizeof(text) - len - n, "%s", tail);
	put(name, text);
}

/* The sources found the mirror's archive (and keyring, unless NULL). */
static void expect_mirror(const char *keyring)
{
	struct apt_source s;
	char msg[512] = "";

	cr_assert_eq(apt_debian_source(fx_dir, &s, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_str_eq(s.uri, "http://mirror.example.invalid/debian");
	if (keyring)
		cr_expect_str_eq(s.keyring, keyring);
}

Test(apt_sources, one_line_format)
{
	put("sources.list",
	    "# a comment\n"
	    "deb-src http://src.example.invalid/debian bookworm main\n"
	    "deb http://security.example.invalid/debian-security bookworm-security main\n"
	    "deb [arch=amd64 signed-by=/etc/apt/keyrings/mirror.gpg] http://mirror.example.invalid/debian/ bookworm main contrib\n");
	expect_mirror("/etc/apt/keyrings/mirror.gpg");
}

Test(apt_sources, deb822_format)
{
	put("sources.list", "");
	put("sources.list.d/a-node.list",
	    "deb [signed-by=/usr/share/keyrings/node.gpg] https://node.example.invalid/node_20.x nodistro main\n");
	put("sources.list.d/b-docker.list",
	    "deb https://docker.example.invalid/linux/debian bookworm stable\n");
	put("sources.list.d/c-off.sources",
	    "Types: deb\nURIs: http://off.example.invalid/debian\nSuites: bookworm\n"
	    "Components: main\nEnabled: no\n");
	put("sources.list.d/debian.sources",
	    "Types: deb\n"
	    "# http://snapshot.example.invalid/archive/debian-security/20250520T000000Z\n"
	    "URIs: http://mirror.example.invalid/debian-security\n"
	    "Suites: bookworm-security\nComponents: main\n"
	    "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
	    "\n"
	    "Types: deb\n"
	    "URIs: http://mirror.example.invalid/debian\n"
	    "Suites: bookworm bookworm-updates\nComponents: main\n"
	    "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n");
	put("sources.list.d/z.sources.disabled",
	    "Types: deb\nURIs: http://wrong.example.invalid/debian\nSuites: trixie\nComponents: main\n");
	expect_mirror("/usr/share/keyrings/debian-archive-keyring.gpg");
}

Test(apt_sources, inline_key_uses_default_keyring)
{
	put("sources.list.d/debian.sources",
	    "Types: deb\nURIs: http://mirror.example.invalid/debian\nSuites: trixie\n"
	    "Components: main contrib\n"
	    "Signed-By: -----BEGIN PGP PUBLIC KEY BLOCK-----\n"
	    " .\n mQINBGP...\n -----END PGP PUBLIC KEY BLOCK-----\n");
	expect_mirror("/usr/share/keyrings/debian-archive-keyring.gpg");
}

Test(apt_sources, none_found)
{
	struct apt_source s;
	char msg[512] = "";

	put("sources.list.d/third.list", "deb https://x.example.invalid/apt cloud-sdk-bookworm main\n");
	cr_assert_eq(apt_debian_source(fx_dir, &s, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, fx_dir), "msg: %s", msg);
	cr_expect(strstr(msg, "no Debian archive"), "msg: %s", msg);
}

static const char show[] =
	"Package: linux-image-cloud-amd64\n"
	"Version: 6.12.38-1\n"
	"Depends: linux-image-6.12.38+deb13-cloud-amd64 (= 6.12.38-1)\n"
	"Size: 1200\n"
	"\n"
	"Package: linux-image-cloud-amd64\n"
	"Version: 7.3.4-1~bpo13+1\n"
	"Depends: linux-image-7.3.4+deb13-cloud-amd64 (= 7.3.4-1~bpo13+1)\n"
	"Size: 1300\n"
	"\n";

Test(apt_sources, pick_newest_and_dependency)
{
	struct apt_pkg p;
	char name[256];

	cr_assert_eq(apt_pick_newest(show, "linux-image-cloud-amd64", &p), 0);
	cr_expect_str_eq(p.version, "7.3.4-1~bpo13+1");
	cr_expect_eq(p.size, 1300);
	cr_assert_eq(apt_find_dep(p.depends, "linux-image-", "linux-image-cloud-amd64",
				  name, sizeof(name)), 0);
	cr_expect_str_eq(name, "linux-image-7.3.4+deb13-cloud-amd64");
	cr_expect_eq(apt_find_dep("linux-binary-x (= 1), linux-modules-x (= 1) | foo",
				  "linux-modules-", NULL, name, sizeof(name)), 0);
	cr_expect_str_eq(name, "linux-modules-x");
	cr_expect_eq(apt_find_dep("foo, bar", "linux-", NULL, name, sizeof(name)), -ENOENT);
	cr_expect_eq(apt_pick_newest(show, "nothing", &p), -ENOENT);
}

/* A line longer than the read buffer is one line: the tail of a long
 * comment is not an entry of its own. */
Test(apt_sources, long_comment_tail_is_not_an_entry)
{
	put_long("sources.list", "# ", 'x', 4093,
		 "deb http://evil.example.invalid/debian bookworm main\n"
		 "deb http://mirror.example.invalid/debian bookworm main\n");
	expect_mirror(NULL);
}

/* In deb822, a field line of exactly the buffer's length does not end
 * the stanza early (its newline is not a blank line). */
Test(apt_sources, long_field_does_not_split_a_stanza)
{
	put_long("sources.list.d/debian.sources",
		 "Types: deb\nURIs: http://mirror.example.invalid/debian\nX-Note: ",
		 'x', 4095 - (int)strlen("X-Note: "), "\nSuites: trixie\nComponents: main\n");
	expect_mirror(NULL);
}

/* An address too long to hold is not used cut short. */
Test(apt_sources, uri_too_long_is_not_cut)
{
	put_long("sources.list", "deb http://long.example.invalid/", 'd', 1100,
		 " bookworm main\ndeb http://mirror.example.invalid/debian bookworm main\n");
	expect_mirror(NULL);
}

Test(apt_sources, deb822_uri_too_long_is_not_cut)
{
	put_long("sources.list.d/debian.sources", "Types: deb\nURIs: http://long.example.invalid/",
		 'd', 1100,
		 "\nSuites: trixie\nComponents: main\n\n"
		 "Types: deb\nURIs: http://mirror.example.invalid/debian\n"
		 "Suites: trixie\nComponents: main\n");
	expect_mirror(NULL);
}
