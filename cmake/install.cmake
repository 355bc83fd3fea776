# Install layout and the Debian package (cpack -G DEB).
#
#   <prefix>/bin/latencyd
#   <prefix>/lib/systemd/system/latencyd.service     systemd also searches /usr/local/lib/...
#   <etc>/latencyd/latencyd.yml                       example config (conffile)
#   <etc>/default/latencyd                            environment of the unit (conffile)
#   <prefix>/share/latencyd/{prometheus,grafana}/     rules, scrape config, dashboard
#   <prefix>/share/doc/latencyd/                      README, systemd.md, copyright, changelog,
#                                                     config/ and probes/ references
#   <prefix>/share/man/man1/latencyd.1.gz             from --help, by help2man
#
# <etc> is /etc when the prefix is /usr (the package), else <prefix>/etc, like GNUInstallDirs.
# It is decided at install time, because `cmake --install --prefix` and CPack change the prefix
# after configuration; the same step rewrites the unit's paths for non-/usr prefixes.
include(GNUInstallDirs)

# cpack (and `make install`) would otherwise rebuild every target first, tests included; the
# package test runs cpack on a tree that is already built. Build, then install or package.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

if(TARGET latencyd)
  install(TARGETS latencyd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

foreach(dir prometheus grafana)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_DATADIR}/latencyd/${dir}
          PATTERN "CMakeLists.txt" EXCLUDE PATTERN "prometheus/README.md" EXCLUDE)
endforeach()

# README.md, config/README.md, probes/README.md, systemd.md and prometheus/README.md are written by
# install_system_files.cmake, their links and paths made the installed ones.
install(FILES ${LATENCYD_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Debian wants the changelog gzipped with -9n (no name, no timestamp: reproducible).
set(LATENCYD_DEB_RELEASE 1)
string(TIMESTAMP LATENCYD_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${PROJECT_SOURCE_DIR}/cmake/debian/changelog.in
               ${PROJECT_BINARY_DIR}/debian/changelog.Debian @ONLY)
execute_process(
  COMMAND gzip -9nf ${PROJECT_BINARY_DIR}/debian/changelog.Debian
  RESULT_VARIABLE LATENCYD_GZIP_RESULT)
if(NOT LATENCYD_GZIP_RESULT EQUAL 0)
  message(FATAL_ERROR "gzip of the Debian changelog failed")
endif()
install(FILES ${PROJECT_BINARY_DIR}/debian/changelog.Debian.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The unit and the files under <etc>, placed at install time (see the top of this file).
install(CODE "set(LATENCYD_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")\n\
set(LATENCYD_BINARY_DIR \"${PROJECT_BINARY_DIR}\")")
install(SCRIPT ${PROJECT_SOURCE_DIR}/cmake/install_system_files.cmake)

# --- Debian package ---------------------------------------------------------------------------
set(CPACK_PACKAGE_NAME latencyd)
set(CPACK_PACKAGE_VENDOR "latencyd authors")
set(CPACK_PACKAGE_CONTACT "latencyd maintainers <maintainers@latencyd.example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "HTTP endpoint latency monitor for Prometheus")
# Debian shows the summary as the synopsis and this as the extended description (< 80 columns).
set(CPACK_PACKAGE_DESCRIPTION
    "latencyd probes configured HTTP API endpoints on its own schedule, keeps the\n\
exact latency distribution of each endpoint over a sliding window, exports\n\
median and percentile latencies to Prometheus and judges every endpoint\n\
against the alert threshold of its class. It ships a hardened systemd unit,\n\
Prometheus alerting and recording rules and a Grafana dashboard.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
# DESTDIR staging keeps CMAKE_INSTALL_PREFIX at /usr during packaging, which the install
# script relies on to put conffiles in /etc.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_GENERATOR DEB)

set(CPACK_DEBIAN_PACKAGE_NAME latencyd)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${LATENCYD_DEB_RELEASE})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from dpkg-shlibdeps (package dpkg-dev) on the stripped binary.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# procps ships /bin/kill, which the unit's ExecReload= runs; it is not Essential in Debian.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "procps")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "prometheus")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "grafana, prometheus-alertmanager")

configure_file(${PROJECT_SOURCE_DIR}/cmake/debian/conffiles ${PROJECT_BINARY_DIR}/debian/conffiles
               COPYONLY)
foreach(script postinst prerm postrm)
  file(COPY ${PROJECT_SOURCE_DIR}/cmake/debian/${script} DESTINATION ${PROJECT_BINARY_DIR}/debian
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                        WORLD_READ WORLD_EXECUTE)
endforeach()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/debian/conffiles ${PROJECT_BINARY_DIR}/debian/postinst
    ${PROJECT_BINARY_DIR}/debian/prerm ${PROJECT_BINARY_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
