/* lab-init: PID 1 of the level-1 lab guest. Loads irqbypass, kvm and
 * kvm-amd/kvm-intel from /modules with finit_module (compressed .ko.xz/.zst,
 * MODULE_INIT_COMPRESSED_FILE), runs /lab.sh-like commands from /lab.argv
 * (one argument per line) with the output on the console, then reboots. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MODULE_INIT_COMPRESSED_FILE 4

static int load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, "", MODULE_INIT_COMPRESSED_FILE);
	r = r ? -errno : 0;
	close(fd);
	printf("lab-init: %s: %s\n", path, r ? strerror(-r) : "loaded");
	return r;
}

int main(void)
{
	char *argv[64], line[4096];
	int n = 0, status = 0;
	FILE *f;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	setvbuf(stdout, NULL, _IONBF, 0);
	load("/modules/irqbypass.ko.xz");
	load("/modules/kvm.ko.xz");
	if (load("/modules/kvm-amd.ko.xz"))
		load("/modules/kvm-intel.ko.xz");
	f = fopen("/lab.argv", "re");
	while (f && n < 63 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		argv[n++] = strdup(line);
	}
	argv[n] = NULL;
	if (n) {
		pid_t pid = fork();

		if (pid == 0) {
			execv(argv[0], argv);
			printf("lab-init: exec %s: %s\n", argv[0], strerror(errno));
			_exit(127);
		}
		waitpid(pid, &status, 0);
		printf("lab-init: %s exited with status %d\n", argv[0], WEXITSTATUS(status));
	}
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
