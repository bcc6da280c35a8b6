/*
 * LD_PRELOAD shim for test/store/power-loss.test.ts: a disk whose only durable state is what was fsynced.
 * fsync/fdatasync never reach the kernel; instead each call copies the file, as it is at that moment, into
 * $QMON_DURABLE_DIR/<basename> (temp file + rename, so an earlier durable copy is never half-replaced), and
 * appends "<call> <basename> <size>" to $QMON_FSYNC_LOG. After the process is killed, the durable dir is
 * what a power cut would have left: every write that was not fsynced is lost.
 * Compiled by the test into a temp dir (gcc, Linux); never committed as a binary.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int copy_fd(int fd, const char *to) {
  char tmp[PATH_MAX + 16];
  if (snprintf(tmp, sizeof tmp, "%s.shim-tmp", to) >= (int)sizeof tmp) return -1;
  int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (out < 0) return -1;
  char buf[65536];
  off_t at = 0;
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof buf, at);
    if (n < 0) { close(out); return -1; }
    if (n == 0) break;
    if (write(out, buf, (size_t)n) != n) { close(out); return -1; }
    at += n;
  }
  close(out);
  return rename(tmp, to);
}

static void durable(const char *call, int fd) {
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n < 0) return;
  path[n] = '\0';
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  struct stat st;
  if (fstat(fd, &st) != 0) return;
  pthread_mutex_lock(&lock);
  const char *dir = getenv("QMON_DURABLE_DIR");
  int ok = 1;
  if (dir && S_ISREG(st.st_mode)) {
    char to[PATH_MAX];
    ok = snprintf(to, sizeof to, "%s/%s", dir, base) < (int)sizeof to && copy_fd(fd, to) == 0;
  }
  const char *log = getenv("QMON_FSYNC_LOG");
  if (log) {
    int lf = open(log, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (lf >= 0) {
      dprintf(lf, "%s %s %lld%s\n", call, S_ISDIR(st.st_mode) ? "<dir>" : base, (long long)st.st_size, ok ? "" : " COPY-FAILED");
      close(lf);
    }
  }
  pthread_mutex_unlock(&lock);
}

int fsync(int fd) {
  durable("fsync", fd);
  return 0;
}

int fdatasync(int fd) {
  durable("fdatasync", fd);
  return 0;
}
