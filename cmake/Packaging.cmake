# Debian packages, one per thing a store or head office installs. `cpack -G DEB` in the
# build directory writes them. Runtime dependencies come from dpkg-shlibdeps, so they name
# exactly the Debian libraries the binaries link; files under /etc are conffiles, so an
# upgrade keeps the store's edits. Parts install into the components named here.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME omo-loyalty)
set(CPACK_PACKAGE_VENDOR "OMO loyalty terminal project")
set(CPACK_PACKAGE_CONTACT "OMO loyalty terminal maintainers <maintainers@omo-loyalty.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

# component  package summary  [files under /etc]
function(loyalty_package component summary)
  string(TOUPPER "${component}" upper)
  set(CPACK_DEBIAN_${upper}_PACKAGE_NAME "omo-loyalty-${component}" PARENT_SCOPE)
  set(CPACK_COMPONENT_${upper}_DESCRIPTION "${summary}" PARENT_SCOPE)
  if(ARGN)
    set(list_file "${PROJECT_BINARY_DIR}/packaging/${component}/conffiles")
    list(JOIN ARGN "\n" lines)
    file(WRITE "${list_file}" "${lines}\n")
    set(CPACK_DEBIAN_${upper}_PACKAGE_CONTROL_EXTRA "${list_file}" PARENT_SCOPE)
  endif()
endfunction()

# The account everything runs as comes with the admin package, which the others depend on.
set(LOYALTY_POSTINST "${PROJECT_BINARY_DIR}/packaging/postinst")
file(WRITE "${LOYALTY_POSTINST}" [=[#!/bin/sh
set -e
# DPKG_ROOT is set when installing into another root (a board image, a test's chroot).
if [ "$1" = configure ] && command -v systemd-sysusers >/dev/null; then
  systemd-sysusers --root="${DPKG_ROOT:-/}" omo-loyalty.conf
fi
]=])
file(CHMOD "${LOYALTY_POSTINST}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

loyalty_package(admin "Store manager's command line for the OMO loyalty terminal, with nightly backups"
                /etc/loyalty/program.toml)
list(APPEND CPACK_DEBIAN_ADMIN_PACKAGE_CONTROL_EXTRA "${LOYALTY_POSTINST}")
install(FILES core/systemd/omo-loyalty.sysusers DESTINATION lib/sysusers.d RENAME omo-loyalty.conf COMPONENT admin)

if(TARGET loyalty-link)
  loyalty_package(link "OMO loyalty store agent: store-and-forward sync to the member hub over MQTT"
                  /etc/loyalty/link.toml)
  set(CPACK_DEBIAN_LINK_PACKAGE_DEPENDS omo-loyalty-admin)
  install(TARGETS loyalty-link RUNTIME DESTINATION bin COMPONENT link)
  install(FILES cloud-link/systemd/loyalty-link.service DESTINATION lib/systemd/system COMPONENT link)
  install(FILES cloud-link/examples/link.toml DESTINATION /etc/loyalty COMPONENT link)
  install(FILES cloud-link/README.md cloud-link/PROTOCOL.md DESTINATION share/doc/omo-loyalty-link COMPONENT link)

  loyalty_package(hub "OMO loyalty reference member hub (run several workers side by side)" /etc/loyalty/hub.toml)
  set(CPACK_DEBIAN_HUB_PACKAGE_DEPENDS omo-loyalty-admin)
  install(TARGETS loyalty-hub RUNTIME DESTINATION bin COMPONENT hub)
  install(FILES cloud-link/systemd/loyalty-hub@.service DESTINATION lib/systemd/system COMPONENT hub)
  install(FILES cloud-link/examples/hub.toml DESTINATION /etc/loyalty COMPONENT hub)
  install(FILES cloud-link/README.md cloud-link/PROTOCOL.md DESTINATION share/doc/omo-loyalty-hub COMPONENT hub)
endif()

if(TARGET loyalty-kiosk)
  loyalty_package(kiosk "OMO loyalty self-service touchscreen kiosk" /etc/loyalty/kiosk.toml)
  set(CPACK_DEBIAN_KIOSK_PACKAGE_DEPENDS "omo-loyalty-admin, fonts-wqy-microhei")
  # Reading receipt photos; without it the kiosk's photo button says OCR is not installed.
  set(CPACK_DEBIAN_KIOSK_PACKAGE_RECOMMENDS "tesseract-ocr-chi-sim")
  install(TARGETS loyalty-kiosk RUNTIME DESTINATION bin COMPONENT kiosk)
  install(FILES kiosk/systemd/loyalty-kiosk.service DESTINATION lib/systemd/system COMPONENT kiosk)
  install(FILES assets/config/kiosk.toml DESTINATION /etc/loyalty COMPONENT kiosk)
  install(DIRECTORY assets/i18n DESTINATION share/omo-loyalty COMPONENT kiosk)
  install(FILES kiosk/README.md DESTINATION share/doc/omo-loyalty-kiosk COMPONENT kiosk)
endif()

if(TARGET loyalty_pos)
  set(CPACK_DEBIAN_POS_PACKAGE_NAME omo-loyalty-pos)
endif()
include(CPack)
