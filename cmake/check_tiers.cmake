# check_tiers.cmake - the tiers of src/, checked on every build (cmake -P).
#
# Each folder of src/ is a tier and a library; a tier may include its own
# headers and those of the tiers below it, and only the system headers its
# job needs.  Layering that is not checked erodes one convenient #include
# at a time, so a wrong include fails the build here, naming the file.
# Also checked: only db/ calls LMDB (mdb_*), so every write goes through
# the store's own functions and its error mapping.
#
#   util   error codes, logging, DNS names            (libc only)
#   conf   the configuration file                     (+ libyaml)
#   db     the LMDB store, records, every change      (+ lmdb, jansson, libyaml,
#          libcrypto: SHA-256 of tokens)
#   dns    wire format, the record model, answers,    (db's read side,
#          TSIG                                       OpenSSL; no
#          libevent, no jansson, no libyaml)
#   daemon sockets, workers, control, the writer,     (+ libevent, jansson,
#          health checks                              libsystemd's sd_notify
#                                                     in notify.c, libcurl
#                                                     and OpenSSL's HMAC for
#                                                     probes and webhooks)
#   cmd    the programs: flipdnsd, flipctl
cmake_minimum_required(VERSION 3.18)
if(NOT ROOT)
  message(FATAL_ERROR "check_tiers: pass -DROOT=<source dir>")
endif()

set(tiers util conf db dns daemon cmd)
# Project headers each tier may include (besides its own).
set(allow_util "")
set(allow_conf "flipdns/util/")
set(allow_db "flipdns/util/;flipdns/conf/")
# dns reads the IXFR journal for a transfer; writing it is the writer's
set(allow_dns "flipdns/util/;flipdns/conf/;flipdns/db/store.h;flipdns/db/txn.h;flipdns/db/journal.h")
set(allow_daemon "flipdns/util/;flipdns/conf/;flipdns/db/;flipdns/dns/")
set(allow_cmd "flipdns/util/;flipdns/conf/;flipdns/db/;flipdns/dns/;flipdns/daemon/")
# System headers of the libraries each tier must not use.
set(deny_util "event2/;jansson.h;lmdb.h;yaml.h;ldns/;systemd/;curl/;openssl/")
set(deny_conf "event2/;jansson.h;lmdb.h;ldns/;systemd/;curl/;openssl/")
set(deny_db "event2/;ldns/;systemd/;curl/")
# dns: OpenSSL for TSIG's HMAC (tsig.c) and nothing else of it
set(deny_dns "event2/;jansson.h;yaml.h;ldns/;systemd/;curl/;openssl/ssl.h")
set(deny_daemon "ldns/")
set(deny_cmd "ldns/;systemd/;curl/;openssl/")

set(errors "")
foreach(tier ${tiers})
  file(GLOB files ${ROOT}/src/${tier}/*.c ${ROOT}/src/${tier}/*.h
    ${ROOT}/include/flipdns/${tier}/*.h)
  foreach(f ${files})
    file(RELATIVE_PATH rel ${ROOT} ${f})
    file(STRINGS ${f} incs REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
    foreach(line ${incs})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]*)[>\"].*$"
        "\\1" h "${line}")
      if(h MATCHES "^flipdns/")
        if(h MATCHES "^flipdns/${tier}/")
          continue()
        endif()
        set(ok FALSE)
        foreach(a ${allow_${tier}})
          string(FIND "${h}" "${a}" at)
          if(at EQUAL 0)
            set(ok TRUE)
          endif()
        endforeach()
        if(NOT ok)
          list(APPEND errors "${rel}: tier ${tier} may not include ${h}")
        endif()
      else()
        foreach(d ${deny_${tier}})
          string(FIND "${h}" "${d}" at)
          if(at EQUAL 0)
            list(APPEND errors "${rel}: tier ${tier} may not include <${h}>")
          endif()
        endforeach()
      endif()
    endforeach()
    if(NOT tier STREQUAL "db")
      file(STRINGS ${f} calls REGEX "mdb_[a-z_]+[ \t]*\\(")
      foreach(line ${calls})
        string(STRIP "${line}" line)
        list(APPEND errors "${rel}: only db/ calls LMDB: ${line}")
      endforeach()
    endif()
  endforeach()
endforeach()

if(errors)
  list(JOIN errors "\n  " text)
  message(FATAL_ERROR "tier check failed (cmake/check_tiers.cmake):\n  ${text}")
endif()
