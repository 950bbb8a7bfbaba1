// The least a TCP relay can do, for .ci/bench-proxy's reference row: one thread, epoll, each chunk read from one
// side written to the other (no parsing, no logging, no TLS). Its cost per transaction is what relaying alone costs
// on the machine (system calls, wake-ups, context switches), against which pgw proxy's own work shows.
// Benchmark only: a write the peer cannot take at once is retried until done, and errors close the pair.
//
//   cc -O2 -o minimal-relay .ci/minimal-relay.c && ./minimal-relay LISTEN-PORT UPSTREAM-PORT   (127.0.0.1 both)
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
static int peer[max_descriptors];

static void prepare(int fd) {
    int one = 1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: minimal-relay LISTEN-PORT UPSTREAM-PORT\n");
        return 64;
    }
    struct sockaddr_in listen_address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])),
                                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in upstream_address = listen_address;
    upstream_address.sin_port = htons(atoi(argv[2]));
    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listener, (struct sockaddr *)&listen_address, sizeof listen_address) || listen(listener, 512)) {
        perror("minimal-relay: listen");
        return 1;
    }
    int poller = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event);
    static char buffer[65536];
    struct epoll_event ready[64];
    for (;;) {
        int count = epoll_wait(poller, ready, 64, -1);
        for (int index = 0; index < count; index++) {
            int fd = ready[index].data.fd;
            if (fd == listener) {
                int client = accept(listener, NULL, NULL);
                if (client < 0 || client >= max_descriptors) continue;
                int upstream = socket(AF_INET, SOCK_STREAM, 0);
                if (upstream >= max_descriptors ||
                    connect(upstream, (struct sockaddr *)&upstream_address, sizeof upstream_address)) {
                    close(client);
                    close(upstream);
                    continue;
                }
                prepare(client);
                prepare(upstream);
                peer[client] = upstream;
                peer[upstream] = client;
                struct epoll_event from_client = {.events = EPOLLIN, .data.fd = client};
                struct epoll_event from_upstream = {.events = EPOLLIN, .data.fd = upstream};
                epoll_ctl(poller, EPOLL_CTL_ADD, client, &from_client);
                epoll_ctl(poller, EPOLL_CTL_ADD, upstream, &from_upstream);
                continue;
            }
            ssize_t length = read(fd, buffer, sizeof buffer);
            if (length < 0 && errno == EAGAIN) continue;
            if (length <= 0) {
                close(peer[fd]);
                close(fd);
                continue;
            }
            for (ssize_t written = 0; written < length;) {
                ssize_t result = write(peer[fd], buffer + written, length - written);
                if (result > 0) {
                    written += result;
                } else if (result < 0 && errno != EAGAIN) {
                    break;
                }
            }
        }
    }
}
