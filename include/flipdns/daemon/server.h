/*
 * server.h - the DNS network layer: worker threads answering UDP and TCP.
 *
 * Each worker is one thread with its own libevent event_base, its own
 * SO_REUSEPORT UDP and TCP sockets on every listen address (the kernel
 * spreads packets and connections over them), its own LMDB read handle and
 * its own buffers, allocated once.  Workers share nothing but the zone and
 * store (both read-only to them) and a counter of open TCP connections.
 * Answers come from fd_answer(); this module only moves bytes.
 *
 * Lifecycle: fd_server_bind() (as root, before the privilege drop),
 * fd_server_start(), then fd_server_stop() from any one thread.
 */
#ifndef FLIPDNS_SERVER_H
#define FLIPDNS_SERVER_H

#include "flipdns/conf/config.h"
#include "flipdns/util/error.h"
#include "flipdns/db/store.h"
#include "flipdns/dns/zone.h"

struct fd_server;

/*
 * Bind every cfg->listen address, UDP and TCP, with one SO_REUSEPORT
 * socket per worker per address; IPv6 sockets are IPV6_V6ONLY.  Needs
 * only cfg->listen, cfg->workers, the tcp_* limits and rrl_rate/rrl_slip
 * (each worker gets its own rate-limit table, rrl.h), which are copied:
 * cfg may be freed afterwards.  Port 0 is refused (FD_EINVAL): every
 * worker's socket would get a different port.
 * Errors: FD_ESYS (socket, setsockopt or bind failed; logged with the
 * address), FD_EINVAL, FD_ENOMEM.  On success *out is owned by the caller
 * and released with fd_server_stop().
 */
enum fd_err fd_server_bind(const struct fd_config *cfg, struct fd_server **out);

/*
 * Start the workers.  zone (malloc'd) becomes the server's, freed by
 * fd_server_stop() (also when the start fails); st must outlive the
 * server: it is used until fd_server_stop() returns.  st must allow 1 + n_listen LMDB readers
 * per worker (max_readers): one for TCP, one per UDP thread.  Returns once every worker is ready to serve.
 * Errors: FD_ENOMEM, FD_ESYS (thread or event base creation),
 * or the error of fd_reader_open().  On failure no worker is left running
 * and the server must still be released with fd_server_stop().
 */
enum fd_err fd_server_start(struct fd_server *srv, struct fd_zone *zone,
    struct fd_store *st);

/*
 * Answer from zone (malloc'd, the server's from now on) from the next
 * batch or TCP query on, without a lock on the query path; the old zone
 * is freed once no worker can hold it (daemon/zonepub.h).  Main thread
 * only, after fd_server_start.  FD_EBUSY (zone freed, nothing changed)
 * when too many replaced zones are still held.
 */
enum fd_err fd_server_set_zone(struct fd_server *srv, struct fd_zone *zone);
/*
 * Every worker thread's counters summed into sum (dns/stats.h), and the
 * TCP connections open now.  From the main thread while serving.
 */
struct fd_stats;
void fd_server_stats(struct fd_server *srv, struct fd_stats *sum,
    unsigned *tcp_open);

/*
 * Where transfers are noted for `flipctl secondaries` (daemon's
 * secondaries.h); before fd_server_start, and it must outlive the server.
 */
struct fd_secondaries;
void fd_server_set_secondaries(struct fd_server *srv,
    struct fd_secondaries *sec);

/* The zone now published, for the main thread (export, commands). */
const struct fd_zone *fd_server_zone(struct fd_server *srv);

/*
 * Stop every worker, join them, close all sockets and connections, free
 * srv.  Works on a server that was bound but never (or not successfully)
 * started.  Thread-safe with respect to the workers; call it once.
 * NULL is a no-op.
 */
void fd_server_stop(struct fd_server *srv);

#endif
