#ifndef TRAINBELL_CDBUS_SHIM_H
#define TRAINBELL_CDBUS_SHIM_H
/* libdbus-1 for Swift. Only what Swift cannot call directly gets a wrapper here. */
#include <dbus/dbus.h>

/* For DBus.PollLoop, the loop without GLib: Swift's Glibc module shows neither eventfd nor pipe2. */
#include <sys/eventfd.h>
#include <fcntl.h>
#include <unistd.h>

/* A non-blocking, close-on-exec eventfd (a loop's wake-up counter), or -1 with errno set. */
static inline int tb_eventfd_new(void) {
    return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

/* A non-blocking, close-on-exec pipe made at once (no window in which a forked child inherits it). */
static inline int tb_pipe_nonblocking(int fds[2]) {
    return pipe2(fds, O_CLOEXEC | O_NONBLOCK);
}

/* The user and process connected to a Unix socket, by the kernel's word (SO_PEERCRED, which Swift's
   Glibc module does not show: struct ucred needs _GNU_SOURCE). 0 on success, else -1 with errno. */
#include <sys/socket.h>
static inline int tb_socket_peer(int fd, unsigned int *uid, int *pid) {
    struct {
        int pid;
        unsigned int uid;
        unsigned int gid;
    } credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    *uid = credentials.uid;
    *pid = credentials.pid;
    return 0;
}
#endif
