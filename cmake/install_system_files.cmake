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
file(REMOVE_RECURSE "${latencyd_stage_dir}")
file(INSTALL "${LATENCYD_SOURCE_DIR}/systemd/latencyd.default"
     DESTINATION "${latencyd_etc}/default" RENAME latencyd
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL "${LATENCYD_SOURCE_DIR}/config/latencyd.example.yml"
     DESTINATION "${latencyd_etc}/latencyd" RENAME latencyd.yml
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
