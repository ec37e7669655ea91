// The listener's own ceiling: libmicrohttpd answering every request with a fixed JSON body, started with the
// same daemon flags as optout-bridge's listener (Sources/CMicroHTTPD/shim.h), reading and discarding any body.
//
//     cc -O2 -o mhd-fixed mhd-fixed.c $(pkg-config --cflags --libs libmicrohttpd)
//     ./mhd-fixed PORT THREADS        # runs until SIGTERM or SIGINT
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char body[] =
    "{\"id\":\"op_01JD9Z0000000000000000000\",\"status\":\"deleted\",\"leads\":[{\"pearlId\":"
    "\"6720c0f8e4b0a1b2c3d4e5f6\",\"leadId\":\"lead-000000\",\"status\":\"deleted\"}]}";

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **state) {
    (void)cls; (void)url; (void)method; (void)version; (void)upload_data;
    static int marker;
    if (*state == NULL) { *state = &marker; return MHD_YES; }
    if (*upload_data_size != 0) { *upload_data_size = 0; return MHD_YES; }
    struct MHD_Response *response =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(response, "Content-Type", "application/json");
    enum MHD_Result result = MHD_queue_response(connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return result;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s PORT THREADS\n", argv[0]); return 2; }
    unsigned int threads = (unsigned int)atoi(argv[2]);
    sigset_t set;  // blocked before the daemon starts, so its threads inherit the mask and sigwait gets them
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
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
