# The Debian packages, made by `cpack -G DEB` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr (image/build and `make packages` do that):
#   rakiosk  rakiosk, ractl, the p11lock PKCS#11 module, the configuration
#            (/etc/rakiosk), the rule files, systemd units, udev rules, the
#            system user and the maintainer scripts
#   rasync   the sync daemon with its service and timer (once sync/ installs
#            it with COMPONENT rasync)
#   rahq     the reference HQ server (COMPONENT rahq)
# Dependencies on shared libraries are filled in by dpkg-shlibdeps. Paths
# follow the FHS: programs in /usr/bin, the module in /usr/lib/<triplet>/rakiosk,
# configuration in /etc/rakiosk, data in /var/lib/rakiosk.
set(RK_PKG_DIR ${CMAKE_CURRENT_LIST_DIR}/pkg)
set(RK_UNITDIR lib/systemd/system)

# /etc/rakiosk/kiosk.conf for an installed system: the shipped defaults of
# conf/kiosk.conf with the paths and devices of a real counter and no branch
# yet (first boot provisions it, see docs/appliance.md).
file(READ ${CMAKE_SOURCE_DIR}/conf/kiosk.conf RK_CONF_TEXT)
macro(rk_conf_set from to)
  string(REGEX REPLACE "\n${from} = [^\n]*" "\n${from} = ${to}" RK_CONF_TEXT "${RK_CONF_TEXT}")
endmacro()
rk_conf_set(id UNPROVISIONED)
rk_conf_set(name "未设置的受理点")
rk_conf_set(region "")
rk_conf_set(data_dir /var/lib/rakiosk/branch)
rk_conf_set(url "")
rk_conf_set(receipt usb:///dev/usb/lp0)
rk_conf_set(device "")
# The demo panel is for the demo branch only: never on a counter.
rk_conf_set(demo 0)
string(REPLACE "The demo uses the simulator's link\n; (tests/idsim_main --link /tmp/rakiosk-idreader)."
  "\"\" is /dev/ttyUSB0." RK_CONF_TEXT "${RK_CONF_TEXT}")
string(REPLACE "This file is the demo branch that\n; `make demo` runs; an appliance reads /etc/rakiosk/kiosk.conf instead."
  "This is the installed file of an\n; unprovisioned counter (written from conf/kiosk.conf by the package build)."
  RK_CONF_TEXT "${RK_CONF_TEXT}")
file(WRITE ${CMAKE_BINARY_DIR}/pkg/kiosk.conf "${RK_CONF_TEXT}")

set(RK_ETC /etc/rakiosk)
install(FILES ${CMAKE_BINARY_DIR}/pkg/kiosk.conf DESTINATION ${RK_ETC})
file(GLOB RK_RULE_FILES ${CMAKE_SOURCE_DIR}/conf/*.ini)
install(FILES ${RK_RULE_FILES} DESTINATION ${RK_ETC})
# Every file in /etc/rakiosk is a conffile: an upgrade keeps local edits.
set(RK_CONFFILES "${RK_ETC}/kiosk.conf\n")
foreach(f ${RK_RULE_FILES})
  get_filename_component(base ${f} NAME)
  string(APPEND RK_CONFFILES "${RK_ETC}/${base}\n")
endforeach()
file(WRITE ${CMAKE_BINARY_DIR}/pkg/conffiles "${RK_CONFFILES}")
if(EXISTS ${CMAKE_SOURCE_DIR}/docs/appliance.md)
  install(FILES ${CMAKE_SOURCE_DIR}/docs/appliance.md DESTINATION share/doc/rakiosk)
endif()
install(FILES ${RK_PKG_DIR}/rakiosk.sysusers DESTINATION lib/sysusers.d RENAME rakiosk.conf)
install(FILES ${RK_PKG_DIR}/rakiosk.tmpfiles DESTINATION lib/tmpfiles.d RENAME rakiosk.conf)
install(FILES ${RK_PKG_DIR}/70-rakiosk.rules DESTINATION lib/udev/rules.d)
file(GLOB RK_UNITS ${RK_PKG_DIR}/units/*)
install(FILES ${RK_UNITS} DESTINATION ${RK_UNITDIR})
install(PROGRAMS ${RK_PKG_DIR}/rakiosk-provision ${RK_PKG_DIR}/rakiosk-seal DESTINATION lib/rakiosk)

# The sync daemon's units come from sync/ (the sync work writes them); they
# are packaged with rasync when they exist.
foreach(unit rasync.service rasync.timer)
  if(EXISTS ${CMAKE_SOURCE_DIR}/sync/${unit})
    install(FILES ${CMAKE_SOURCE_DIR}/sync/${unit} DESTINATION ${RK_UNITDIR} COMPONENT rasync)
  endif()
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rakiosk)
set(CPACK_PACKAGE_VENDOR "rakiosk")
set(CPACK_PACKAGE_CONTACT "rakiosk maintainers <rakiosk@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Only the packages whose component has files; rasync and rahq appear once
# sync/ installs them.
get_cmake_property(RK_COMPONENTS COMPONENTS)
set(CPACK_COMPONENTS_ALL ${RK_COMPONENTS})
list(FILTER CPACK_COMPONENTS_ALL EXCLUDE REGEX "^Unspecified$")

set(CPACK_DEBIAN_RAKIOSK_PACKAGE_NAME rakiosk)
set(CPACK_DEBIAN_RAKIOSK_PACKAGE_DEPENDS "systemd (>= 252), adduser")
set(CPACK_DEBIAN_RAKIOSK_PACKAGE_RECOMMENDS "softhsm2, opensc, fonts-wqy-microhei, rime-data-pinyin-simp, rime-data-stroke")
set(CPACK_COMPONENT_RAKIOSK_DESCRIPTION
  "counter appliance of a certificate registration branch\n rakiosk (the touch kiosk), ractl (its command line) and the p11lock PKCS#11\n module, with the branch configuration, systemd units and udev rules.")
set(CPACK_DEBIAN_RAKIOSK_PACKAGE_CONTROL_EXTRA
  ${RK_PKG_DIR}/debian/postinst ${RK_PKG_DIR}/debian/prerm ${RK_PKG_DIR}/debian/postrm
  ${CMAKE_BINARY_DIR}/pkg/conffiles)
set(CPACK_DEBIAN_RAKIOSK_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_RASYNC_PACKAGE_NAME rasync)
set(CPACK_DEBIAN_RASYNC_PACKAGE_DEPENDS "rakiosk (= ${PROJECT_VERSION})")
set(CPACK_COMPONENT_RASYNC_DESCRIPTION
  "sync daemon of the rakiosk branch appliance\n Pushes orders, archives and audit to headquarters and pulls CRLs, statuses\n and configuration, nightly by a systemd timer.")
set(CPACK_DEBIAN_RAHQ_PACKAGE_NAME rahq)
set(CPACK_COMPONENT_RAHQ_DESCRIPTION
  "reference headquarters server for rakiosk branches\n The sync protocol, a tus endpoint, CRL publication and CMP.")
include(CPack)
