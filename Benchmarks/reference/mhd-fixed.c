// The listener's own ceiling: libmicrohttpd answering every request with a fixed JSON body, started with the
// same daemon flags as optout-bridge's listener (Sources/CMicroHTTPD/shim.h), reading and discarding any body.
//
// With `handoff`, its floor in the bridge's design: each complete request is handed to another thread and answered
// from there, as optout-bridge does for a request that waits (an opt-out, whose answer comes from Swift's pool). The
// access handler suspends the connection and queues it; one worker thread takes it and resumes it; libmicrohttpd
// calls the handler again, which queues the fixed answer.
//
//     cc -O2 -o mhd-fixed mhd-fixed.c $(pkg-config --cflags --libs libmicrohttpd) -lpthread
//     ./mhd-fixed PORT THREADS [handoff]        # runs until SIGTERM or SIGINT
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char body[] =
    "{\"id\":\"op_01JD9Z0000000000000000000\",\"status\":\"deleted\",\"leads\":[{\"pearlId\":"
    "\"6720c0f8e4b0a1b2c3d4e5f6\",\"leadId\":\"lead-000000\",\"status\":\"deleted\"}]}";

static int handoff;

// Connections waiting for the worker: a ring larger than the connection limit, so it never fills.
#define RING 8192
static struct MHD_Connection *ring[RING];
static unsigned int head, tail;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;

static void *worker(void *unused) {
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (head == tail) pthread_cond_wait(&ready, &lock);
        struct MHD_Connection *connection = ring[head];
        head = (head + 1) % RING;
        pthread_mutex_unlock(&lock);
        MHD_resume_connection(connection);
    }
    return NULL;
}

// A request's state: its headers were seen; with `handoff`, it was then handed over and resumed.
static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **state) {
    (void)cls; (void)url; (void)method; (void)version; (void)upload_data;
    static int headers_seen, handed_over;
    if (*state == NULL) { *state = &headers_seen; return MHD_YES; }
    if (*upload_data_size != 0) { *upload_data_size = 0; return MHD_YES; }
    if (handoff && *state == &headers_seen) {
        *state = &handed_over;
        MHD_suspend_connection(connection);
        pthread_mutex_lock(&lock);
        ring[tail] = connection;
        tail = (tail + 1) % RING;
        pthread_cond_signal(&ready);
        pthread_mutex_unlock(&lock);
        return MHD_YES;
    }
    struct MHD_Response *response =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(response, "Content-Type", "application/json");
    enum MHD_Result result = MHD_queue_response(connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return result;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "handoff") != 0)) {
        fprintf(stderr, "usage: %s PORT THREADS [handoff]\n", argv[0]);
        return 2;
    }
    unsigned int threads = (unsigned int)atoi(argv[2]);
    handoff = argc == 4;
    sigset_t set;  // blocked before any thread starts, so that they inherit the mask and sigwait gets the signals
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pthread_t thread;
    if (handoff) pthread_create(&thread, NULL, worker, NULL);
    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME, (uint16_t)atoi(argv[1]), NULL,
        NULL, answer, NULL, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, 4096u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (daemon == NULL) { fprintf(stderr, "mhd-fixed: cannot listen on port %s\n", argv[1]); return 1; }
    int signal_number;
    sigwait(&set, &signal_number);
    MHD_stop_daemon(daemon);
    return 0;
}
