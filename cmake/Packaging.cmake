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

loyalty_package(admin "Store manager's command line for the OMO loyalty terminal, with nightly backups"
                /etc/loyalty/program.toml)
include(CPack)
