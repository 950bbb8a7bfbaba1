// The event loop shared by .ci/minimal-relay.c and .ci/minimal-server.c (benchmark references, not part of pgw):
// a listening socket on 127.0.0.1, epoll, and two callbacks, one for each connection accepted and one for each
// connection with bytes to read.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { max_descriptors = 65536 };

/// 127.0.0.1:`port`.
static struct sockaddr_in loopback(int port) {
    return (struct sockaddr_in){
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
}

/// Writes all of `bytes` to `fd`, retrying while the peer cannot take them (benchmark only: it spins meanwhile).
static void write_all(int fd, const char *bytes, size_t length) {
    for (size_t written = 0; written < length;) {
        ssize_t result = write(fd, bytes + written, length - written);
        if (result > 0) {
            written += result;
        } else if (result < 0 && errno != EAGAIN) {
            return;
        }
    }
}

/// Makes `fd` non-blocking and sends its writes at once (TCP_NODELAY), as pgw and PostgreSQL do.
static void prepare(int fd) {
    int one = 1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/// Adds `fd` to `poller`, for reading.
static void watch(int poller, int fd) {
    struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(poller, EPOLL_CTL_ADD, fd, &event);
}

/// Listens on `address` (shared with other listeners when `shares_port`) and runs the loop forever: `accepted` gets
/// each new connection (to `watch` it), `readable` each connection with bytes to read.
static void run_loop(struct sockaddr_in address, int shares_port, void (*accepted)(int poller, int client),
                     void (*readable)(int fd)) {
    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (shares_port) setsockopt(listener, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 512)) {
        perror("listen on 127.0.0.1");
        exit(1);
    }
    int poller = epoll_create1(0);
    watch(poller, listener);
    struct epoll_event ready[64];
    for (;;) {
        int count = epoll_wait(poller, ready, 64, -1);
        for (int index = 0; index < count; index++) {
            int fd = ready[index].data.fd;
            if (fd != listener) {
                readable(fd);
                continue;
            }
            int client = accept(listener, NULL, NULL);
            if (client >= max_descriptors) close(client);
            if (client >= 0 && client < max_descriptors) accepted(poller, client);
        }
    }
}
