/* mini-init: a tiny static PID 1 for the VMM lab. It writes a hello line,
 * the CPU and node counts and the kernel log to /dev/hvc0 (virtio-console),
 * then reboots, so one boot proves ACPI, PCI, MSI-X, virtio and the reset. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <termios.h>
#include <unistd.h>

static int count_dir(const char *path, const char *prefix)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)) &&
		    e->d_name[strlen(prefix)] >= '0' && e->d_name[strlen(prefix)] <= '9')
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	char buf[8192];
	struct termios t;
	int fd, k;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	fd = open("/dev/hvc0", O_WRONLY | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "mini-init: /dev/hvc0: %s\n", strerror(errno));
		reboot(RB_AUTOBOOT);
		return 1;
	}
	if (!tcgetattr(fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	int n = snprintf(buf, sizeof(buf), "KTSTR-HELLO cpus=%d nodes=%d\n",
			 count_dir("/sys/devices/system/cpu", "cpu"),
			 count_dir("/sys/devices/system/node", "node"));
	if (write(fd, buf, n) < 0)
		return 1;
	k = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	while (k >= 0 && (n = read(k, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) < 0)
			break;
	fsync(fd);
	reboot(RB_AUTOBOOT);
	return 0;
}
