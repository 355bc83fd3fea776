# Runs at install time (install(SCRIPT)): places the systemd unit and the files under <etc>.
# Needs LATENCYD_SOURCE_DIR and LATENCYD_BINARY_DIR; honours CMAKE_INSTALL_PREFIX as given at
# install time, and DESTDIR (file(INSTALL) prepends it to these absolute destinations).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(latencyd_etc "/etc")  # the packaged layout: Debian keeps conffiles in /etc
else()
  set(latencyd_etc "${CMAKE_INSTALL_PREFIX}/etc")
endif()
set(latencyd_bindir "${CMAKE_INSTALL_PREFIX}/bin")
set(latencyd_docdir "${CMAKE_INSTALL_PREFIX}/share/doc/latencyd")

# The unit in the tree is written for the package (/usr, /etc); other prefixes get their paths.
file(READ "${LATENCYD_SOURCE_DIR}/systemd/latencyd.service" latencyd_unit)
string(REPLACE "/usr/share/doc/latencyd" "${latencyd_docdir}" latencyd_unit "${latencyd_unit}")
string(REPLACE "/usr/bin/latencyd" "${latencyd_bindir}/latencyd" latencyd_unit "${latencyd_unit}")
string(REPLACE "=/etc/" "=${latencyd_etc}/" latencyd_unit "${latencyd_unit}")
string(REPLACE "=-/etc/" "=-${latencyd_etc}/" latencyd_unit "${latencyd_unit}")
# A directory of its own per run: tests install and package concurrently from one build tree.
string(TIMESTAMP latencyd_now "%s%f")
string(SHA1 latencyd_run "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}${latencyd_now}")
set(latencyd_stage_dir "${LATENCYD_BINARY_DIR}/latencyd-install/${latencyd_run}")
file(WRITE "${latencyd_stage_dir}/latencyd.service" "${latencyd_unit}")
file(INSTALL "${latencyd_stage_dir}/latencyd.service"
     DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL "${LATENCYD_SOURCE_DIR}/systemd/latencyd.default"
     DESTINATION "${latencyd_etc}/default" RENAME latencyd
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL "${LATENCYD_SOURCE_DIR}/config/latencyd.example.yml"
     DESTINATION "${latencyd_etc}/latencyd" RENAME latencyd.yml
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# What a package user reads, with links and paths that resolve where it is installed:
#   <docdir>/README.md            links rewritten: shipped files by their installed place,
#                                 files only in the source repository named as such
#   <docdir>/config/README.md     the configuration reference (+ the commented example)
#   <docdir>/probes/README.md     the probes' reference (phases, failure reasons)
#   <datadir>/prometheus/README.md  its repository paths (prometheus/..., grafana/...) made
#                                 the installed ones
set(latencyd_datadir "${CMAKE_INSTALL_PREFIX}/share/latencyd")
function(latencyd_install_text text destination name)
  file(WRITE "${latencyd_stage_dir}/${name}" "${text}")
  file(INSTALL "${latencyd_stage_dir}/${name}" DESTINATION "${destination}"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endfunction()
# [text](path) of a file that is not installed -> text (`path` in the source repository).
function(latencyd_unlink variable path_regex)
  # [path](path) -> `path` (in the source repository)
  string(REGEX REPLACE "\\[`?(${path_regex})`?\\]\\((${path_regex})\\)" "`\\1` (in the source repository)"
         out "${${variable}}")
  string(REGEX REPLACE "\\[([^]]*)\\]\\((${path_regex})\\)" "\\1 (`\\2` in the source repository)"
         out "${out}")
  set(${variable} "${out}" PARENT_SCOPE)
endfunction()
file(MAKE_DIRECTORY "${latencyd_stage_dir}")

file(READ "${LATENCYD_SOURCE_DIR}/README.md" latencyd_readme)
latencyd_unlink(latencyd_readme
                "(bench|demo|daemon|daemon/web|test|allocator)/README\\.md(#[-a-z0-9_]*)?|config/demo\\.yml")
string(REPLACE "](systemd/README.md" "](systemd.md" latencyd_readme "${latencyd_readme}")
string(REPLACE "](prometheus/README.md)" "](../../latencyd/prometheus/README.md)"
       latencyd_readme "${latencyd_readme}")
string(REPLACE "](grafana/README.md)" "](../../latencyd/grafana/README.md)"
       latencyd_readme "${latencyd_readme}")
latencyd_install_text("${latencyd_readme}" "${latencyd_docdir}" README.md)

file(READ "${LATENCYD_SOURCE_DIR}/config/README.md" latencyd_config_readme)
latencyd_unlink(latencyd_config_readme "demo\\.yml|\\.\\./test/[^)]*")
string(REPLACE "](../systemd/README.md" "](../systemd.md" latencyd_config_readme
       "${latencyd_config_readme}")
latencyd_install_text("${latencyd_config_readme}" "${latencyd_docdir}/config" README.md)
file(INSTALL "${LATENCYD_SOURCE_DIR}/config/latencyd.example.yml"
     DESTINATION "${latencyd_docdir}/config"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# systemd/README.md is installed as <docdir>/systemd.md, beside the config/ folder.
file(READ "${LATENCYD_SOURCE_DIR}/systemd/README.md" latencyd_systemd_readme)
string(REPLACE "](../config/" "](config/" latencyd_systemd_readme "${latencyd_systemd_readme}")
latencyd_install_text("${latencyd_systemd_readme}" "${latencyd_docdir}" systemd.md)
file(INSTALL "${LATENCYD_SOURCE_DIR}/probes/README.md" DESTINATION "${latencyd_docdir}/probes"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

file(READ "${LATENCYD_SOURCE_DIR}/prometheus/README.md" latencyd_prometheus_readme)
string(REGEX REPLACE "([ `])(prometheus|grafana)/" "\\1${latencyd_datadir}/\\2/"
       latencyd_prometheus_readme "${latencyd_prometheus_readme}")
latencyd_unlink(latencyd_prometheus_readme "\\.\\./bench/README\\.md[^)]*")
latencyd_install_text("${latencyd_prometheus_readme}" "${latencyd_datadir}/prometheus" README.md)
file(REMOVE_RECURSE "${latencyd_stage_dir}")
