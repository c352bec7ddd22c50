/*
 * LD_PRELOAD shim for the power-loss test (power-loss.test.ts). It lets every call through unchanged and logs,
 * for files under one directory tree, what reaches the kernel, so that replay.ts can rebuild the directory as a
 * disk would hold it after a power cut: only what was fsynced, optionally plus a random part of the rest.
 *
 *   COLDTRAIL_PL_DIR  absolute path of the watched directory (no trailing slash)
 *   COLDTRAIL_PL_LOG  absolute path of the log file (outside the watched directory); opened O_APPEND, so the
 *                     writer process appends its own "M ..." marker lines to it between our records, in order
 *
 * Log lines (ids name one file, a new id per creation, so a reused inode or name never mixes two files):
 *   C id path              a new file was created           E id path  an existing file, not created under us
 *   W id offset hex        bytes written at offset          T id len   ftruncate
 *   S id                   fsync/fdatasync of a file returned 0
 *   D path                 fsync of a directory returned 0 (its entries become durable, POSIX.1-2017 fsync())
 *   U path                 unlink                           R from to  rename
 *   P id                   a writable shared mmap (SQLite maps only the -shm file this way; replay refuses any
 *                          other file, whose writes we could not see)
 *   Z what                 a call on a watched file that replay cannot model (replay refuses the log)
 * Paths are relative to the watched directory ("" is the directory itself, "/agent/outbox.sqlite" a file).
 * Built by the test with `gcc -shared -fPIC -O2 shim.c -o shim.so -ldl`.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAXFD 65536
#define MAXNAMES 256

static char root[4096];
static size_t rootlen;
static int logfd = -1;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
/* fd -> file id (> 0), or -1 for a watched directory; 0 = not watched */
static int fdid[MAXFD];
static char *fddir[MAXFD];
static struct {
  char *name;
  int id;
} names[MAXNAMES];
static int nextid = 1;

#define REAL(ret, name, ...)                                      \
  static ret (*real_##name)(__VA_ARGS__);                          \
  static void load_##name(void) {                                  \
    if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name);       \
  }
REAL(int, open, const char *, int, ...)
REAL(int, open64, const char *, int, ...)
REAL(int, openat, int, const char *, int, ...)
REAL(int, openat64, int, const char *, int, ...)
REAL(int, close, int)
REAL(ssize_t, write, int, const void *, size_t)
REAL(ssize_t, pwrite, int, const void *, size_t, off_t)
REAL(ssize_t, pwrite64, int, const void *, size_t, off_t)
REAL(ssize_t, writev, int, const struct iovec *, int)
REAL(ssize_t, pwritev, int, const struct iovec *, int, off_t)
REAL(int, ftruncate, int, off_t)
REAL(int, ftruncate64, int, off_t)
REAL(int, fsync, int)
REAL(int, fdatasync, int)
REAL(int, unlink, const char *)
REAL(int, unlinkat, int, const char *, int)
REAL(int, rename, const char *, const char *)
REAL(int, renameat, int, const char *, int, const char *)
REAL(int, fallocate, int, int, off_t, off_t)
REAL(int, posix_fallocate, int, off_t, off_t)
REAL(int, truncate, const char *, off_t)
REAL(void *, mmap, void *, size_t, int, int, int, off_t)
REAL(void *, mmap64, void *, size_t, int, int, int, off_t)
REAL(int, dup, int)
REAL(int, dup2, int, int)
REAL(int, dup3, int, int, int)

__attribute__((constructor)) static void init(void) {
  const char *d = getenv("COLDTRAIL_PL_DIR");
  const char *l = getenv("COLDTRAIL_PL_LOG");
  if (!d || !l || d[0] != '/' || strlen(d) >= sizeof root) return;
  strcpy(root, d);
  rootlen = strlen(root);
  while (rootlen > 1 && root[rootlen - 1] == '/') root[--rootlen] = 0;
  logfd = (int)syscall(SYS_openat, AT_FDCWD, l, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

/* One write(2) per record: the writer's marker lines (also O_APPEND) never land inside one. */
static void logline(const char *head, const void *data, size_t n) {
  if (logfd < 0) return;
  size_t hl = strlen(head);
  char *buf = malloc(hl + 2 * n + 2);
  if (!buf) abort();
  memcpy(buf, head, hl);
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    buf[hl + 2 * i] = hex[p[i] >> 4];
    buf[hl + 2 * i + 1] = hex[p[i] & 15];
  }
  buf[hl + 2 * n] = '\n';
  size_t len = hl + 2 * n + 1, done = 0;
  while (done < len) {
    ssize_t w = syscall(SYS_write, logfd, buf + done, len - done);
    if (w <= 0) abort(); /* a hole in the log would make every later check meaningless */
    done += (size_t)w;
  }
  free(buf);
}

static void logf_(const char *fmt, ...) {
  char line[8300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  logline(line, "", 0);
}

/* The path relative to the watched directory, or NULL when it is outside (relative paths are not watched). */
static const char *watched(const char *path) {
  if (logfd < 0 || !path || path[0] != '/') return NULL;
  if (strncmp(path, root, rootlen) != 0) return NULL;
  if (path[rootlen] != 0 && path[rootlen] != '/') return NULL;
  return path + rootlen;
}

static int tracked(int fd) { return fd >= 0 && fd < MAXFD && fdid[fd] != 0; }

static int name_get(const char *rel) {
  for (int i = 0; i < MAXNAMES; i++)
    if (names[i].name && strcmp(names[i].name, rel) == 0) return names[i].id;
  return 0;
}
static void name_del(const char *rel) {
  for (int i = 0; i < MAXNAMES; i++)
    if (names[i].name && strcmp(names[i].name, rel) == 0) {
      free(names[i].name);
      names[i].name = NULL;
    }
}
static void name_set(const char *rel, int id) {
  name_del(rel);
  for (int i = 0; i < MAXNAMES; i++)
    if (!names[i].name) {
      names[i].name = strdup(rel);
      names[i].id = id;
      return;
    }
  abort();
}

static int before_open(const char *rel) {
  struct stat st;
  return rel && stat(rel - rootlen, &st) == 0;
}

static void after_open(const char *path, const char *rel, int flags, int existed, int fd) {
  if (!rel || fd < 0 || fd >= MAXFD) return;
  struct stat st;
  if (fstat(fd, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    fdid[fd] = -1;
    fddir[fd] = strdup(rel);
    return;
  }
  int id;
  if (!existed) {
    id = nextid++;
    name_set(rel, id);
    logf_("C %d %s", id, rel);
  } else {
    id = name_get(rel);
    if (!id) {
      id = nextid++;
      name_set(rel, id);
      logf_("E %d %s", id, rel);
    }
    if (flags & O_TRUNC) logf_("T %d 0", id);
  }
  (void)path;
  fdid[fd] = id;
}

#define OPEN_BODY(call)                                   \
  mode_t mode = 0;                                        \
  if (flags & (O_CREAT | O_TMPFILE)) {                    \
    va_list ap;                                           \
    va_start(ap, flags);                                  \
    mode = (mode_t)va_arg(ap, int);                       \
    va_end(ap);                                           \
  }                                                       \
  const char *rel = watched(path);                        \
  if (!rel) return call;                                  \
  pthread_mutex_lock(&mu);                                \
  int existed = before_open(rel);                         \
  int fd = call;                                          \
  int e = errno;                                          \
  after_open(path, rel, flags, existed, fd);              \
  pthread_mutex_unlock(&mu);                              \
  errno = e;                                              \
  return fd;

int open(const char *path, int flags, ...) {
  load_open();
  OPEN_BODY(real_open(path, flags, mode))
}
int open64(const char *path, int flags, ...) {
  load_open64();
  OPEN_BODY(real_open64(path, flags, mode))
}
/* openat with a relative path and a directory fd is not resolved: such a path is simply not watched. */
int openat(int dirfd, const char *path, int flags, ...) {
  load_openat();
  OPEN_BODY(real_openat(dirfd, path, flags, mode))
}
int openat64(int dirfd, const char *path, int flags, ...) {
  load_openat64();
  OPEN_BODY(real_openat64(dirfd, path, flags, mode))
}

int close(int fd) {
  load_close();
  if (!tracked(fd)) return real_close(fd);
  pthread_mutex_lock(&mu);
  fdid[fd] = 0;
  free(fddir[fd]);
  fddir[fd] = NULL;
  int r = real_close(fd);
  int e = errno;
  pthread_mutex_unlock(&mu);
  errno = e;
  return r;
}

static void log_write(int fd, off_t off, const void *buf, ssize_t n) {
  if (n <= 0) return;
  if (fdid[fd] < 0) {
    logf_("Z write-to-directory");
    return;
  }
  char head[64];
  snprintf(head, sizeof head, "W %d %lld ", fdid[fd], (long long)off);
  logline(head, buf, (size_t)n);
}

#define WRITE_BODY(call, offexpr)                 \
  if (!tracked(fd)) return call;                  \
  pthread_mutex_lock(&mu);                        \
  off_t off = offexpr;                            \
  ssize_t r = call;                               \
  int e = errno;                                  \
  log_write(fd, off, buf, r);                     \
  pthread_mutex_unlock(&mu);                      \
  errno = e;                                      \
  return r;

ssize_t write(int fd, const void *buf, size_t n) {
  load_write();
  if (tracked(fd) && (fcntl(fd, F_GETFL) & O_APPEND)) logf_("Z O_APPEND");
  WRITE_BODY(real_write(fd, buf, n), lseek(fd, 0, SEEK_CUR))
}
ssize_t pwrite(int fd, const void *buf, size_t n, off_t o) {
  load_pwrite();
  WRITE_BODY(real_pwrite(fd, buf, n, o), o)
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t o) {
  load_pwrite64();
  WRITE_BODY(real_pwrite64(fd, buf, n, o), o)
}

static ssize_t vec_write(int fd, const struct iovec *iov, int cnt, off_t off, ssize_t r) {
  ssize_t left = r;
  for (int i = 0; i < cnt && left > 0; i++) {
    ssize_t part = (ssize_t)iov[i].iov_len < left ? (ssize_t)iov[i].iov_len : left;
    log_write(fd, off, iov[i].iov_base, part);
    off += part;
    left -= part;
  }
  return r;
}
ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  load_writev();
  if (!tracked(fd)) return real_writev(fd, iov, cnt);
  pthread_mutex_lock(&mu);
  off_t off = lseek(fd, 0, SEEK_CUR);
  ssize_t r = real_writev(fd, iov, cnt);
  int e = errno;
  vec_write(fd, iov, cnt, off, r);
  pthread_mutex_unlock(&mu);
  errno = e;
  return r;
}
ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off) {
  load_pwritev();
  if (!tracked(fd)) return real_pwritev(fd, iov, cnt, off);
  pthread_mutex_lock(&mu);
  ssize_t r = real_pwritev(fd, iov, cnt, off);
  int e = errno;
  vec_write(fd, iov, cnt, off, r);
  pthread_mutex_unlock(&mu);
  errno = e;
  return r;
}

#define FD_OP(call, logexpr)                      \
  if (!tracked(fd)) return call;                  \
  pthread_mutex_lock(&mu);                        \
  int r = call;                                   \
  int e = errno;                                  \
  if (r == 0) logexpr;                            \
  pthread_mutex_unlock(&mu);                      \
  errno = e;                                      \
  return r;

static void log_trunc(int fd, off_t len) {
  if (fdid[fd] > 0) logf_("T %d %lld", fdid[fd], (long long)len);
}
int ftruncate(int fd, off_t len) {
  load_ftruncate();
  FD_OP(real_ftruncate(fd, len), log_trunc(fd, len))
}
int ftruncate64(int fd, off_t len) {
  load_ftruncate64();
  FD_OP(real_ftruncate64(fd, len), log_trunc(fd, len))
}

static void log_sync(int fd) {
  if (fdid[fd] > 0)
    logf_("S %d", fdid[fd]);
  else
    logf_("D %s", fddir[fd]);
}
int fsync(int fd) {
  load_fsync();
  FD_OP(real_fsync(fd), log_sync(fd))
}
int fdatasync(int fd) {
  load_fdatasync();
  FD_OP(real_fdatasync(fd), log_sync(fd))
}

int fallocate(int fd, int m, off_t o, off_t l) {
  load_fallocate();
  FD_OP(real_fallocate(fd, m, o, l), logf_("Z fallocate"))
}
int posix_fallocate(int fd, off_t o, off_t l) {
  load_posix_fallocate();
  FD_OP(real_posix_fallocate(fd, o, l), logf_("Z posix_fallocate"))
}

int truncate(const char *path, off_t len) {
  load_truncate();
  int r = real_truncate(path, len);
  if (r == 0 && watched(path)) logf_("Z truncate %s", watched(path));
  return r;
}

#define NS_OP(call, rel, logexpr)                 \
  if (!rel) return call;                          \
  pthread_mutex_lock(&mu);                        \
  int r = call;                                   \
  int e = errno;                                  \
  if (r == 0) logexpr;                            \
  pthread_mutex_unlock(&mu);                      \
  errno = e;                                      \
  return r;

int unlink(const char *path) {
  load_unlink();
  const char *rel = watched(path);
  NS_OP(real_unlink(path), rel, (logf_("U %s", rel), name_del(rel)))
}
int unlinkat(int dirfd, const char *path, int flags) {
  load_unlinkat();
  const char *rel = watched(path);
  NS_OP(real_unlinkat(dirfd, path, flags), rel, (logf_("U %s", rel), name_del(rel)))
}
static void log_rename(const char *from, const char *to) {
  if (!from || !to) {
    logf_("Z rename across the watched directory's boundary");
    return;
  }
  int id = name_get(from);
  name_del(from);
  if (id) name_set(to, id);
  logf_("R %s %s", from, to);
}
int rename(const char *from, const char *to) {
  load_rename();
  const char *a = watched(from), *b = watched(to);
  const char *any = a ? a : b;
  NS_OP(real_rename(from, to), any, log_rename(a, b))
}
int renameat(int fd1, const char *from, int fd2, const char *to) {
  load_renameat();
  const char *a = watched(from), *b = watched(to);
  const char *any = a ? a : b;
  NS_OP(real_renameat(fd1, from, fd2, to), any, log_rename(a, b))
}

static void note_map(int fd, int prot, int flags) {
  if (tracked(fd) && fdid[fd] > 0 && (prot & PROT_WRITE) && (flags & MAP_SHARED)) {
    pthread_mutex_lock(&mu);
    logf_("P %d", fdid[fd]);
    pthread_mutex_unlock(&mu);
  }
}
void *mmap(void *a, size_t n, int prot, int flags, int fd, off_t o) {
  load_mmap();
  note_map(fd, prot, flags);
  return real_mmap(a, n, prot, flags, fd, o);
}
void *mmap64(void *a, size_t n, int prot, int flags, int fd, off_t o) {
  load_mmap64();
  note_map(fd, prot, flags);
  return real_mmap64(a, n, prot, flags, fd, o);
}

/* A duplicated descriptor would write without our knowing the file: refuse the log instead. */
int dup(int fd) {
  load_dup();
  if (tracked(fd)) logf_("Z dup");
  return real_dup(fd);
}
int dup2(int fd, int to) {
  load_dup2();
  if (tracked(fd) || tracked(to)) logf_("Z dup2");
  return real_dup2(fd, to);
}
int dup3(int fd, int to, int fl) {
  load_dup3();
  if (tracked(fd) || tracked(to)) logf_("Z dup3");
  return real_dup3(fd, to, fl);
}
