/*
 * siphash.h - SipHash-2-4 (Aumasson, Bernstein), a keyed hash for tables
 * that outsiders fill.
 *
 * Without the key nobody can predict which inputs share a slot, so an
 * attacker cannot aim a flood of chosen keys (source addresses, names)
 * at one bucket or one probe chain: the rate limiter (dns/rrl.c) and the
 * per-source TCP counts (daemon/tcp_sources.c) hash with it.
 */
#ifndef FLIPDNS_SIPHASH_H
#define FLIPDNS_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#include "flipdns/util/error.h"

/* The 64-bit SipHash-2-4 of p[0..len) under the key (k0, k1). */
uint64_t fd_siphash(uint64_t k0, uint64_t k1, const void *p, size_t len);

/* A fresh random key from getrandom(2); FD_ESYS when it fails. */
enum fd_err fd_siphash_key(uint64_t key[2]);

#endif
