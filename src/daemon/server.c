/*
 * server.c - the worker threads: binding, starting, stopping.
 *
 * The sockets are bound up front (as root) and owned here.  Everything
 * else a worker uses is created by the worker thread itself: its
 * event_base, its LMDB reader, its TCP state, and its UDP threads (udp.c),
 * which inherit its signal mask.  fd_server_start()
 * waits until every worker reports ready (or failed).  To stop, another
 * thread activates the worker's stop event; the worker leaves its loop,
 * closes its connections and frees its own state; then it is joined.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "flipdns/util/log.h"
#include "flipdns/daemon/server.h"
#include "worker.h"

struct fd_server {
	int nworkers;
	int nlisten;
	struct fd_conf_listen listen[FD_CONF_MAX_LISTEN];
	struct fd_tcp_limits limits;
	struct fd_zonepub zones;
	bool zones_init;

	/* Start-up handshake and the workers' "still looping" flags. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int nreported;
	bool *looping;

	struct fd_worker *workers;
};

static pthread_once_t evthread_once = PTHREAD_ONCE_INIT;
static int evthread_rc;

static void
evthread_setup(void)
{
	evthread_rc = evthread_use_pthreads();
}

static unsigned
listen_port(const struct fd_conf_listen *l)
{
	if (l->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&l->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&l->ss)->sin6_port);
}

/*
 * The first socket of an address finding it taken means another process
 * serves there (sockets.c): say so plainly, it is the usual mistake.
 */
static void
listen_failed(const struct fd_conf_listen *l, const char *proto, bool first)
{
	if (first && errno == EADDRINUSE)
		log_warnx("listen %s (%s): another process already holds this "
		    "address (another flipdnsd?); refusing to share it, it "
		    "would answer part of the queries", l->text, proto);
	else
		log_warn("listen %s (%s)", l->text, proto);
}

enum fd_err
fd_server_bind(const struct fd_config *cfg, struct fd_server **out)
{
	struct fd_server *srv;
	struct fd_worker *w;
	const struct fd_conf_listen *l;
	enum fd_err err;
	int i, j;

	*out = NULL;
	if (cfg->workers < 1 || cfg->n_listen < 1 ||
	    cfg->n_listen > FD_CONF_MAX_LISTEN)
		return FD_EINVAL;
	for (j = 0; j < cfg->n_listen; j++)
		if (listen_port(&cfg->listen[j]) == 0) {
			log_warnx("listen %s: port 0 would give each worker "
			    "another port", cfg->listen[j].text);
			return FD_EINVAL;
		}

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return FD_ENOMEM;
	srv->workers = calloc((size_t)cfg->workers, sizeof(*srv->workers));
	srv->looping = calloc((size_t)cfg->workers, sizeof(*srv->looping));
	if (srv->workers == NULL || srv->looping == NULL) {
		free(srv->workers);
		free(srv->looping);
		free(srv);
		return FD_ENOMEM;
	}
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->cond, NULL);
	srv->nworkers = cfg->workers;
	srv->nlisten = cfg->n_listen;
	memcpy(srv->listen, cfg->listen, sizeof(srv->listen));
	atomic_init(&srv->limits.open, 0);
	atomic_init(&srv->limits.xfrs, 0);
	srv->limits.max = cfg->tcp_max_clients;
	srv->limits.workers = (unsigned)cfg->workers;
	srv->limits.idle.tv_sec = cfg->tcp_idle_timeout;
	srv->limits.idle.tv_usec = 0;
	srv->limits.query.tv_sec = cfg->tcp_query_timeout;
	srv->limits.query.tv_usec = 0;
	for (i = 0; i < srv->nworkers; i++) {
		w = &srv->workers[i];
		w->id = i;
		w->srv = srv;
		w->nsock = srv->nlisten;
		w->listen = srv->listen;
		w->limits = &srv->limits;
		w->rrl_rate = cfg->rrl_rate;
		w->rrl_slip = cfg->rrl_slip;
		for (j = 0; j < FD_CONF_MAX_LISTEN; j++)
			w->udp_fd[j] = w->tcp_fd[j] = -1;
	}

	/* every connection the workers may hold (tcp.c): a source each */
	err = fd_tcp_sources_new(cfg->tcp_max_clients + 2 * srv->nworkers,
	    cfg->tcp_max_per_source, &srv->limits.sources);
	if (err != FD_OK)
		goto bad;

	for (j = 0; j < srv->nlisten; j++) {
		l = &srv->listen[j];
		for (i = 0; i < srv->nworkers; i++) {
			w = &srv->workers[i];
			if ((w->udp_fd[j] = fd_sock_udp(l, i == 0)) == -1) {
				listen_failed(l, "udp", i == 0);
				err = FD_ESYS;
				goto bad;
			}
			if ((w->tcp_fd[j] = fd_sock_tcp(l, i == 0)) == -1) {
				listen_failed(l, "tcp", i == 0);
				err = FD_ESYS;
				goto bad;
			}
		}
	}
	*out = srv;
	return FD_OK;
bad:
	fd_server_stop(srv);
	return err;
}

static void
worker_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fd_worker *w = arg;

	event_base_loopbreak(w->base);
}

/* In the worker thread: everything it will serve with. */
static enum fd_err
worker_setup(struct fd_worker *w)
{
	enum fd_err err;

	w->base = event_base_new();
	if (w->base != NULL)
		w->stop_ev = event_new(w->base, -1, 0, worker_stop_cb, w);
	if (w->base == NULL || w->stop_ev == NULL) {
		log_warnx("worker %d: cannot create its event loop", w->id);
		return FD_ESYS;
	}
	if ((err = fd_reader_open(w->st, &w->reader)) != FD_OK) {
		log_warnx("worker %d: store reader: %s", w->id,
		    fd_strerror(err));
		return err;
	}
	w->reader_open = true;
	if ((err = fd_udp_init(w)) != FD_OK ||
	    (err = fd_tcp_init(w)) != FD_OK) {
		log_warnx("worker %d: %s", w->id, fd_strerror(err));
		return err;
	}
	return FD_OK;
}

/* In the worker thread, the reverse of worker_setup. */
static void
worker_teardown(struct fd_worker *w)
{
	fd_tcp_free(w->tcp);
	w->tcp = NULL;
	fd_udp_free(w->udp);
	w->udp = NULL;
	if (w->reader_open)
		fd_reader_close(&w->reader);
	w->reader_open = false;
	if (w->stop_ev != NULL)
		event_free(w->stop_ev);
	w->stop_ev = NULL;
	if (w->base != NULL)
		event_base_free(w->base);
	w->base = NULL;
}

static void *
worker_main(void *arg)
{
	struct fd_worker *w = arg;
	struct fd_server *srv = w->srv;
	enum fd_err err;

	err = worker_setup(w);
	pthread_mutex_lock(&srv->lock);
	w->init_err = err;
	srv->looping[w->id] = err == FD_OK;
	srv->nreported++;
	pthread_cond_broadcast(&srv->cond);
	pthread_mutex_unlock(&srv->lock);

	if (err == FD_OK && event_base_dispatch(w->base) == -1)
		log_warnx("worker %d: event loop failed", w->id);

	/* The stop event is about to go: fd_server_stop must not touch it. */
	pthread_mutex_lock(&srv->lock);
	srv->looping[w->id] = false;
	pthread_mutex_unlock(&srv->lock);
	worker_teardown(w);
	return NULL;
}

/* Wake every running worker out of its loop, then join them all. */
static void
workers_stop(struct fd_server *srv)
{
	struct fd_worker *w;
	int i;

	pthread_mutex_lock(&srv->lock);
	for (i = 0; i < srv->nworkers; i++)
		if (srv->looping[i])
			event_active(srv->workers[i].stop_ev, 0, 0);
	pthread_mutex_unlock(&srv->lock);
	for (i = 0; i < srv->nworkers; i++) {
		w = &srv->workers[i];
		if (w->joinable) {
			pthread_join(w->thread, NULL);
			w->joinable = false;
		}
	}
}

enum fd_err
fd_server_start(struct fd_server *srv, struct fd_zone *zone,
    struct fd_store *st)
{
	struct fd_worker *w;
	sigset_t all, old;
	enum fd_err err = FD_OK;
	int i, rc, spawned = 0;

	/*
	 * Before any event_base: it makes bases lockable and wakeable from
	 * another thread, which fd_server_stop() relies on.
	 */
	pthread_once(&evthread_once, evthread_setup);
	if (evthread_rc == -1) {
		log_warnx("libevent: no pthreads support");
		return FD_ESYS;
	}

	/*
	 * Workers block every signal: SIGTERM, SIGHUP and friends belong to
	 * the main thread; they inherit this mask.
	 */
	if ((err = fd_zonepub_init(&srv->zones, srv->nworkers *
	    FD_WORKER_ZONE_SLOTS(srv->nlisten), zone)) != FD_OK) {
		free(zone);
		return err;
	}
	srv->zones_init = true;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < srv->nworkers; i++) {
		w = &srv->workers[i];
		w->zones = &srv->zones;
		w->zslot = &srv->zones.slots[i *
		    FD_WORKER_ZONE_SLOTS(srv->nlisten)];
		w->st = st;
		rc = pthread_create(&w->thread, NULL, worker_main, w);
		if (rc != 0) {
			errno = rc;
			log_warn("worker %d: pthread_create", i);
			err = FD_ESYS;
			break;
		}
		w->joinable = true;
		spawned++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	pthread_mutex_lock(&srv->lock);
	while (srv->nreported < spawned)
		pthread_cond_wait(&srv->cond, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
	for (i = 0; i < spawned && err == FD_OK; i++)
		err = srv->workers[i].init_err;
	if (err != FD_OK)
		workers_stop(srv);
	return err;
}

void
fd_server_stop(struct fd_server *srv)
{
	struct fd_worker *w;
	int i, j;

	if (srv == NULL)
		return;
	workers_stop(srv);
	for (i = 0; i < srv->nworkers; i++) {
		w = &srv->workers[i];
		for (j = 0; j < srv->nlisten; j++) {
			if (w->udp_fd[j] != -1)
				close(w->udp_fd[j]);
			if (w->tcp_fd[j] != -1)
				close(w->tcp_fd[j]);
		}
	}
	if (srv->zones_init)
		fd_zonepub_free(&srv->zones);
	pthread_cond_destroy(&srv->cond);
	pthread_mutex_destroy(&srv->lock);
	fd_tcp_sources_free(srv->limits.sources);
	free(srv->looping);
	free(srv->workers);
	free(srv);
}

enum fd_err
fd_server_set_zone(struct fd_server *srv, struct fd_zone *zone)
{
	enum fd_err err = fd_zonepub_set(&srv->zones, zone);

	if (err != FD_OK)
		free(zone);
	return err;
}

void
fd_server_set_secondaries(struct fd_server *srv, struct fd_secondaries *sec)
{
	srv->limits.sec = sec;
}

const struct fd_zone *
fd_server_zone(struct fd_server *srv)
{
	return fd_zonepub_current(&srv->zones);
}

void
fd_server_stats(struct fd_server *srv, struct fd_stats *sum, unsigned *tcp_open)
{
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < srv->nworkers; i++) {
		struct fd_worker *w = &srv->workers[i];

		/* set by the worker before it reports ready, kept until stop */
		if (w->udp != NULL)
			fd_udp_stats(w->udp, sum);
		if (w->tcp != NULL)
			fd_tcp_stats(w->tcp, sum);
	}
	*tcp_open = atomic_load(&srv->limits.open);
}
