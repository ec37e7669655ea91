#ifndef OPTOUT_BRIDGE_CMICROHTTPD_SHIM_H
#define OPTOUT_BRIDGE_CMICROHTTPD_SHIM_H

// Wrappers for the parts of libmicrohttpd that Swift cannot call directly: MHD_start_daemon and
// MHD_get_daemon_info are variadic.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <microhttpd.h>

typedef void *(*optout_mhd_uri_log_callback)(void *cls, const char *uri, struct MHD_Connection *connection);

/// Everything MHD_start_daemon needs, in one struct, so Swift can fill it field by field.
typedef struct {
    const char *host;               // numeric IPv4 or IPv6 address, or "localhost"
    uint16_t port;                  // 0 = ephemeral
    unsigned int threads;           // size of MHD's thread pool (epoll, one listener per thread)
    unsigned int connection_limit;
    unsigned int per_ip_connection_limit;  // 0 = unlimited
    unsigned int idle_timeout_seconds;
    size_t connection_memory_limit; // per connection: headers and body buffering
    const char *tls_key_pem;        // NULL for plain HTTP
    const char *tls_cert_pem;
    MHD_AccessHandlerCallback access_handler;
    void *access_handler_cls;
    optout_mhd_uri_log_callback uri_log;
    void *uri_log_cls;
    MHD_RequestCompletedCallback completed;
    void *completed_cls;
} optout_mhd_settings;

/// Starts a daemon with an internal epoll thread pool, suspend/resume and quiesce support.
/// Returns NULL if the host is not a numeric address or MHD cannot start (port in use, bad TLS material).
static inline struct MHD_Daemon *optout_mhd_start(const optout_mhd_settings *s) {
    struct sockaddr_in addr4;
    struct sockaddr_in6 addr6;
    memset(&addr4, 0, sizeof addr4);
    memset(&addr6, 0, sizeof addr6);
    const struct sockaddr *addr = NULL;
    unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
    const char *host = s->host;
    if (host == NULL || strcmp(host, "localhost") == 0) host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &addr4.sin_addr) == 1) {
        addr4.sin_family = AF_INET;
        addr4.sin_port = htons(s->port);
        addr = (const struct sockaddr *)&addr4;
    } else if (inet_pton(AF_INET6, host, &addr6.sin6_addr) == 1) {
        addr6.sin6_family = AF_INET6;
        addr6.sin6_port = htons(s->port);
        addr = (const struct sockaddr *)&addr6;
        flags |= MHD_USE_IPv6;
    } else {
        return NULL;
    }
    if (s->tls_key_pem != NULL && s->tls_cert_pem != NULL) flags |= MHD_USE_TLS;

    struct MHD_OptionItem options[12];
    int n = 0;
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, (void *)addr };
    if (s->threads > 1)
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)s->threads, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->connection_limit, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)s->per_ip_connection_limit, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->idle_timeout_seconds, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)s->connection_memory_limit, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)s->uri_log, s->uri_log_cls };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)s->completed, s->completed_cls };
    if (flags & MHD_USE_TLS) {
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)s->tls_key_pem };
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)s->tls_cert_pem };
    }
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

    return MHD_start_daemon(flags, s->port, NULL, NULL, s->access_handler, s->access_handler_cls,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/// The port the daemon is bound to (useful after binding port 0), or 0.
static inline uint16_t optout_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

#endif
