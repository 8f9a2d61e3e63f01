# Install rules for the systemd integration and operator docs; included by the top-level
# CMakeLists.txt after include(GNUInstallDirs). Paths are relative to the install prefix
# (override the cache variables for distributions that use /lib); with prefix /usr the
# unit goes to /usr/lib/systemd/system and the logrotate snippet to /etc/logrotate.d.
# The unit's ExecStart is rewritten to the installed sbin directory. Also installs the
# docs: operations.md, README.md, the example config and the man pages (docs/man/).
include(GNUInstallDirs)

set(RECONCILERD_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING "systemd system unit directory")
set(RECONCILERD_SYSUSERS_DIR "lib/sysusers.d" CACHE STRING "sysusers.d directory")
set(RECONCILERD_TMPFILES_DIR "lib/tmpfiles.d" CACHE STRING "tmpfiles.d directory")
set(RECONCILERD_LOGROTATE_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/logrotate.d"
    CACHE STRING "logrotate.d directory")

set(_rd_systemd_dir "${CMAKE_CURRENT_LIST_DIR}")
file(READ "${_rd_systemd_dir}/reconcilerd.service" _rd_unit)
string(REPLACE "/usr/sbin/reconcilerd" "${CMAKE_INSTALL_FULL_SBINDIR}/reconcilerd" _rd_unit
       "${_rd_unit}")
file(CONFIGURE OUTPUT "${CMAKE_BINARY_DIR}/systemd/reconcilerd.service" CONTENT "${_rd_unit}"
     @ONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             "${_rd_systemd_dir}/reconcilerd.service")

install(FILES "${CMAKE_BINARY_DIR}/systemd/reconcilerd.service"
        DESTINATION "${RECONCILERD_SYSTEMD_UNIT_DIR}" COMPONENT systemd)
install(FILES "${_rd_systemd_dir}/sysusers.d/reconcilerd.conf"
        DESTINATION "${RECONCILERD_SYSUSERS_DIR}" COMPONENT systemd)
install(FILES "${_rd_systemd_dir}/tmpfiles.d/reconcilerd.conf"
        DESTINATION "${RECONCILERD_TMPFILES_DIR}" COMPONENT systemd)
install(FILES "${_rd_systemd_dir}/logrotate/reconcilerd"
        DESTINATION "${RECONCILERD_LOGROTATE_DIR}" COMPONENT systemd)
if(EXISTS "${_rd_systemd_dir}/../docs/operations.md")
  install(FILES "${_rd_systemd_dir}/../docs/operations.md"
          DESTINATION "${CMAKE_INSTALL_DOCDIR}" COMPONENT doc)
endif()
install(FILES "${_rd_systemd_dir}/../README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}" COMPONENT doc)
install(FILES "${_rd_systemd_dir}/../config/reconcilerd.example.yaml"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples" COMPONENT doc)
# Man pages (docs/man/NAME.SECTION, hand-written roff), uncompressed; scripts/package
# gzips them for the Debian package.
file(GLOB _rd_man_pages "${_rd_systemd_dir}/../docs/man/*.[1-8]")
foreach(_rd_page ${_rd_man_pages})
  string(REGEX MATCH "[1-8]$" _rd_section "${_rd_page}")
  install(FILES "${_rd_page}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${_rd_section}"
          COMPONENT doc)
endforeach()
