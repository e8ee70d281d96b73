# Finds libbcc (Debian package libbpfcc-dev) through pkg-config and defines
# the imported targets LibBcc::LibBcc (the whole library, with the LLVM/clang
# compiler) and LibBcc::Runtime (libbcc_bpf: maps, programs, perf and ring
# buffers, attaching; bcc's headers).
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

find_library(LIBBCC_BPF_LIBRARY NAMES bcc_bpf HINTS ${LIBBCC_LIBRARY_DIRS})
if(NOT LIBBCC_BPF_LIBRARY)
  message(FATAL_ERROR "libbcc_bpf not found next to libbcc: install libbpfcc-dev")
endif()
add_library(LibBcc::Runtime UNKNOWN IMPORTED)
set_target_properties(LibBcc::Runtime PROPERTIES
  IMPORTED_LOCATION ${LIBBCC_BPF_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES "${LIBBCC_INCLUDE_DIRS}")
set(LibBcc_FOUND TRUE)
