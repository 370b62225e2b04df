# package.cmake - `cpack -G DEB`: a Debian package of the install.
#
# Build it from a tree configured for installing (tools/package does):
#   cmake -S . -B build-deb -DCMAKE_INSTALL_PREFIX=/usr -DFLIPDNS_SYSTEM_DEFAULTS=ON
# so the paths in the programs, the unit and the man pages are /usr's and
# /etc's.  Depends: what dpkg-shlibdeps finds flipdnsd and flipctl link
# (libevent, lmdb, libyaml, jansson, libsystemd, libc), and what the
# postinst creates the user with.
set(CPACK_PACKAGE_NAME flipdns)
set(CPACK_PACKAGE_VENDOR flipdns)
set(CPACK_PACKAGE_CONTACT "flipdns maintainers <root@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "authoritative DNS server with failover groups")
set(CPACK_PACKAGE_DESCRIPTION
  "flipdnsd answers for a zone of failover groups, names that answer with\n\
the endpoints of a primary or a backup application; flipctl switches\n\
them, each switch one durable LMDB transaction.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd | adduser")
# Install with DESTDIR: the /etc and /lib/systemd paths are absolute.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_BINARY_DIR}/dist/debian/postinst
  ${CMAKE_BINARY_DIR}/dist/debian/prerm
  ${CMAKE_BINARY_DIR}/dist/debian/postrm
  ${CMAKE_BINARY_DIR}/dist/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# Debug symbols stay in the build tree, not on the servers.
set(CPACK_STRIP_FILES TRUE)
# Tests and build trees are not part of the package.
set(CPACK_SOURCE_IGNORE_FILES "/build" "/\\\\.git/")
include(CPack)
