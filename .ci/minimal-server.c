// The least a PostgreSQL server can do, for .ci/bench-serve's reference row: two threads per core as pgw serve has
// (each with its own listening socket, SO_REUSEPORT, and epoll), a login without authentication, and for every
// simple Query the same canned answer as to `select 1` (no parsing, no state, no logging). Its TPS is about the most
// any server can reach on the machine beside pgbench, against which the targets of pgw serve (a multiple of
// PostgreSQL's TPS) can be judged. Benchmark only: simple queries only, and a write the client cannot take at once
// is retried until done.
//
//   cc -O2 -pthread -o minimal-server .ci/minimal-server.c && ./minimal-server PORT   (listens on 127.0.0.1)
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "minimal-loop.h"

enum { buffer_size = 65536 };

/// What each connection has read and not yet answered, and whether its startup packet is behind it.
struct connection {
    char *bytes;
    size_t length;
    int started;
};
static struct connection connections[max_descriptors];

static void put32(char *at, uint32_t value) {
    uint32_t big = htonl(value);
    memcpy(at, &big, 4);
}

/// AuthenticationOk, the parameters libpq needs, BackendKeyData and ReadyForQuery.
static size_t login_reply(char *out) {
    static const char *parameters[][2] = {
        {"server_version", "15.0"}, {"client_encoding", "UTF8"}, {"server_encoding", "UTF8"},
        {"DateStyle", "ISO, MDY"}, {"integer_datetimes", "on"}, {"standard_conforming_strings", "on"}};
    size_t length = 0;
    memcpy(out, "R\0\0\0\x08\0\0\0\0", 9);
    length += 9;
    for (size_t index = 0; index < sizeof parameters / sizeof parameters[0]; index++) {
        size_t name = strlen(parameters[index][0]) + 1, value = strlen(parameters[index][1]) + 1;
        out[length] = 'S';
        put32(out + length + 1, 4 + name + value);
        memcpy(out + length + 5, parameters[index][0], name);
        memcpy(out + length + 5 + name, parameters[index][1], value);
        length += 5 + name + value;
    }
    memcpy(out + length, "K\0\0\0\x0c\0\0\0\x01\0\0\0\x02", 13);
    length += 13;
    memcpy(out + length, "Z\0\0\0\x05I", 6);
    return length + 6;
}

/// RowDescription (one int4 column "?column?"), DataRow "1", CommandComplete "SELECT 1", ReadyForQuery.
static const char query_reply[] =
    "T\0\0\0\x21\0\x01?column?\0\0\0\0\0\0\0\0\0\0\x17\0\x04\xff\xff\xff\xff\0\0"
    "D\0\0\0\x0b\0\x01\0\0\0\x01" "1"
    "C\0\0\0\x0dSELECT 1\0"
    "Z\0\0\0\x05I";

/// Answers every complete message in `connection`'s bytes; returns 0 when the connection is to be closed.
static int answer(int fd, struct connection *connection) {
    char out[buffer_size];
    size_t out_length = 0, offset = 0;
    for (;;) {
        size_t available = connection->length - offset;
        char *message = connection->bytes + offset;
        if (!connection->started) {
            if (available < 8) break;
            uint32_t length, code;
            memcpy(&length, message, 4);
            memcpy(&code, message + 4, 4);
            length = ntohl(length);
            code = ntohl(code);
            if (length < 8 || length > 10000) return 0;
            if (available < length) break;
            offset += length;
            if (code == 80877103 || code == 80877104) {  // SSLRequest, GSSENCRequest: no
                out[out_length++] = 'N';
            } else {
                connection->started = 1;
                out_length += login_reply(out + out_length);
            }
            continue;
        }
        if (available < 5) break;
        uint32_t length;
        memcpy(&length, message + 1, 4);
        length = ntohl(length);
        if (length < 4 || length > buffer_size / 2) return 0;
        if (available < 1 + length) break;
        offset += 1 + length;
        if (message[0] == 'X') return 0;
        if (message[0] == 'Q') {
            if (out_length + sizeof query_reply > sizeof out) {
                write_all(fd, out, out_length);
                out_length = 0;
            }
            memcpy(out + out_length, query_reply, sizeof query_reply - 1);
            out_length += sizeof query_reply - 1;
        }
    }
    memmove(connection->bytes, connection->bytes + offset, connection->length - offset);
    connection->length -= offset;
    if (out_length > 0) write_all(fd, out, out_length);
    return 1;
}

static struct sockaddr_in address;

/// Starts reading a new client's startup packet.
static void accepted(int poller, int client) {
    prepare(client);
    connections[client] = (struct connection){.bytes = malloc(buffer_size), .length = 0, .started = 0};
    watch(poller, client);
}

/// Reads what `fd` sent and answers it; closes it at the end, on an error or a Terminate.
static void readable(int fd) {
    struct connection *connection = &connections[fd];
    ssize_t length = read(fd, connection->bytes + connection->length, buffer_size - connection->length);
    if (length < 0 && errno == EAGAIN) return;
    if (length > 0) connection->length += length;
    if (length <= 0 || !answer(fd, connection)) {
        free(connection->bytes);
        connection->bytes = NULL;
        close(fd);
    }
}

/// One thread: its own listening socket on the shared port (the kernel spreads the connections) and its own epoll.
static void *serve(void *unused) {
    (void)unused;
    run_loop(address, 1, accepted, readable);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: minimal-server PORT\n");
        return 64;
    }
    address = loopback(atoi(argv[1]));
    long threads = 2 * sysconf(_SC_NPROCESSORS_ONLN);
    for (long index = 1; index < threads; index++) {
        pthread_t thread;
        pthread_create(&thread, NULL, serve, NULL);
    }
    serve(NULL);
}
