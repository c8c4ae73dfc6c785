/*
 * Keel's system layer under newlib: the few functions newlib calls to reach
 * the system (it is built without its own, tools/newlib.sh).
 *
 *  - Output (stdout, stderr) goes through the console server whose gate is
 *    in slot KEEL_LIBC_CONSOLE, where the program has one, and else (or
 *    whenever the server does not take a piece: it died or is restarting)
 *    to the kernel's debug console.  Input (stdin) comes from the console
 *    server: a read waits for at least one byte; without a console server,
 *    or without input, stdin is at its end (read returns 0).
 *  - malloc's memory (sbrk) grows up from KEEL_HEAP_BASE; sbrk only moves the
 *    break: each page comes, zeroed, from the root task (the pager of the
 *    component's first thread) on the first fault on it (keel/system.h).
 *  - exit ends the task with its status, which the root task reports.
 *  - Time is keel_clock_us(), from the boot; sleeping is keel_sleep_us().
 *  - Files, processes and signals do not exist: ENOSYS (or EBADF).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>
#include <keel/console.h>
#include <keel/keel.h>
#include <keel/libc.h>

/* What newlib calls (its own declarations depend on the target). */
void *_sbrk(ptrdiff_t incr);
int _write(int fd, const void *buf, size_t len);
int _read(int fd, void *buf, size_t len);
int _close(int fd);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
off_t _lseek(int fd, off_t off, int whence);
int _open(const char *path, int flags, ...);
int _unlink(const char *path);
int _link(const char *from, const char *to);
int _stat(const char *path, struct stat *st);
int _getpid(void);
int _kill(int pid, int sig);
void _exit(int status);
int _gettimeofday(struct timeval *tv, void *tz);
clock_t _times(struct tms *t);
int nanosleep(const struct timespec *req, struct timespec *rem);

#undef errno
extern int errno;


char *__env[1] = { 0 };
char **environ = __env;

static uintptr_t heap_end = KEEL_HEAP_BASE;       /* the break */

void *_sbrk(ptrdiff_t incr)
{
    /* No system call: the root task maps each heap page, zeroed, on the
     * first fault on it (keel/system.h, the memory region). */
    uintptr_t old = heap_end;
    if (incr < 0 || (uintptr_t)incr > KEEL_HEAP_MAX - (heap_end - KEEL_HEAP_BASE)) {
        errno = ENOMEM;
        return (void *)-1;
    }
    heap_end += (uintptr_t)incr;
    return (void *)old;
}

static int stdio_went = KEEL_LIBC_STDIO_NONE;

int keel_libc_stdio(void)
{
    return stdio_went;
}

/* One piece of output: through the console server if it takes it, else on
 * the debug console.  Pieces of KEEL_CONSOLE_CHUNK bytes (smaller than
 * KEEL_DEBUG_WRITE_MAX). */
static int write_piece(const char *p, size_t n)
{
    if (!keel_console_write(keel_utcb(), KEEL_LIBC_CONSOLE, p, n)) {
        stdio_went = KEEL_LIBC_STDIO_CONSOLE;
        return 0;
    }
    stdio_went = KEEL_LIBC_STDIO_DEBUG;
    return keel_debug_write(p, n) ? -1 : 0;
}

int _write(int fd, const void *buf, size_t len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    const char *p = buf;
    size_t left = len;
    while (left) {
        size_t n = left < KEEL_CONSOLE_CHUNK ? left : KEEL_CONSOLE_CHUNK;
        if (write_piece(p, n)) {
            errno = EFAULT;
            return -1;
        }
        p += n;
        left -= n;
    }
    return (int)len;
}

#define READ_WAIT_US 1000000000u    /* one wait's limit; a read waits on */

int _read(int fd, void *buf, size_t len)
{
    if (fd != 0) {
        errno = EBADF;
        return -1;
    }
    size_t got = 0;
    uint32_t e;
    do
        e = keel_console_read(keel_utcb(), KEEL_LIBC_CONSOLE, buf, len, READ_WAIT_US, &got);
    while (e == KEEL_E_TIMEOUT);
    if (e == KEEL_E_CAP || e == KEEL_E_NOSYS)
        return 0;   /* no console server, or one without input: at the end */
    if (e) {
        errno = EIO;
        return -1;
    }
    return (int)got;
}

int _close(int fd)
{
    if (fd < 0 || fd > 2) {
        errno = EBADF;
        return -1;
    }
    return 0;
}

int _fstat(int fd, struct stat *st)
{
    if (fd < 0 || fd > 2) {
        errno = EBADF;
        return -1;
    }
    *st = (struct stat){ .st_mode = S_IFCHR };
    return 0;
}

int _isatty(int fd)
{
    if (fd >= 0 && fd <= 2)
        return 1;
    errno = EBADF;
    return 0;
}

off_t _lseek(int fd, off_t off, int whence)
{
    errno = fd >= 0 && fd <= 2 ? ESPIPE : EBADF;
    return -1;
}

int _open(const char *path, int flags, ...)
{
    errno = ENOSYS;
    return -1;
}

int _unlink(const char *path)
{
    errno = ENOSYS;
    return -1;
}

int _link(const char *from, const char *to)
{
    errno = ENOSYS;
    return -1;
}

int _stat(const char *path, struct stat *st)
{
    errno = ENOSYS;
    return -1;
}

int _getpid(void)
{
    return 1;
}

int _kill(int pid, int sig)
{
    if (pid == 1)
        _exit(128 + sig);   /* raise(), abort(): the task ends */
    errno = ESRCH;
    return -1;
}

void _exit(int status)
{
    keel_debug_exit(status);
}

int _gettimeofday(struct timeval *tv, void *tz)
{
    uint64_t us = keel_clock_us();
    if (tv) {
        tv->tv_sec = (time_t)(us / 1000000u);
        tv->tv_usec = (suseconds_t)(us % 1000000u);
    }
    return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000) {
        errno = EINVAL;
        return -1;
    }
    uint64_t us = (uint64_t)req->tv_sec * 1000000u + ((uint64_t)req->tv_nsec + 999) / 1000;
    if (keel_sleep_us(keel_utcb(), us)) {
        errno = EINTR;
        return -1;
    }
    if (rem)
        *rem = (struct timespec){ 0 };
    return 0;
}

/* newlib builds sleep() and usleep() only for systems with its POSIX
 * folder, which bare targets do not get: here they are. */
int usleep(useconds_t us)
{
    struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = us % 1000000 * 1000 };
    return nanosleep(&ts, NULL);
}

unsigned sleep(unsigned seconds)
{
    struct timespec ts = { .tv_sec = seconds };
    return nanosleep(&ts, NULL) ? seconds : 0;
}

clock_t _times(struct tms *t)
{
    clock_t c = (clock_t)(keel_clock_us() * CLOCKS_PER_SEC / 1000000u);
    if (t)
        *t = (struct tms){ .tms_utime = c };
    return c;
}
