# Finds libbcc (Debian package libbpfcc-dev) through pkg-config and defines
# the imported target LibBcc::LibBcc.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(LIBBCC QUIET IMPORTED_TARGET libbcc)
endif()

if(NOT LIBBCC_FOUND)
  message(FATAL_ERROR
    "libbcc not found through pkg-config (module 'libbcc'). "
    "Install the Debian package libbpfcc-dev (and pkg-config), "
    "or run scripts/setup.sh as root.")
endif()

add_library(LibBcc::LibBcc ALIAS PkgConfig::LIBBCC)
set(LibBcc_FOUND TRUE)
