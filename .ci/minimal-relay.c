// The least a TCP relay can do, for .ci/bench-proxy's reference row: one thread, epoll, each chunk read from one
// side written to the other (no parsing, no logging, no TLS). Its cost per transaction is what relaying alone costs
// on the machine (system calls, wake-ups, context switches), against which pgw proxy's own work shows.
// Benchmark only: a write the peer cannot take at once is retried until done, and errors close the pair.
//
//   cc -O2 -o minimal-relay .ci/minimal-relay.c && ./minimal-relay LISTEN-PORT UPSTREAM-PORT   (127.0.0.1 both)
#include "minimal-loop.h"

static int peer[max_descriptors];
static struct sockaddr_in upstream_address;

/// Connects the new client to the upstream server and watches both.
static void accepted(int poller, int client) {
    int upstream = socket(AF_INET, SOCK_STREAM, 0);
    if (upstream < 0 || upstream >= max_descriptors ||
        connect(upstream, (struct sockaddr *)&upstream_address, sizeof upstream_address)) {
        close(client);
        if (upstream >= 0) close(upstream);
        return;
    }
    prepare(client);
    prepare(upstream);
    peer[client] = upstream;
    peer[upstream] = client;
    watch(poller, client);
    watch(poller, upstream);
}

/// Writes what `fd` has to its peer; closes both at the end or on an error.
static void readable(int fd) {
    static char buffer[65536];
    ssize_t length = read(fd, buffer, sizeof buffer);
    if (length < 0 && errno == EAGAIN) return;
    if (length <= 0) {
        close(peer[fd]);
        close(fd);
        return;
    }
    write_all(peer[fd], buffer, length);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: minimal-relay LISTEN-PORT UPSTREAM-PORT\n");
        return 64;
    }
    upstream_address = loopback(atoi(argv[2]));
    run_loop(loopback(atoi(argv[1])), 0, accepted, readable);
}
