# Finds libelf (Debian package libelf-dev) and defines LibElf::LibElf.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(LIBELF QUIET IMPORTED_TARGET libelf)
endif()

if(NOT LIBELF_FOUND)
  message(FATAL_ERROR
    "libelf not found through pkg-config (module 'libelf'). "
    "Install the Debian package libelf-dev, or run scripts/setup.sh as root.")
endif()

add_library(LibElf::LibElf ALIAS PkgConfig::LIBELF)
set(LibElf_FOUND TRUE)
