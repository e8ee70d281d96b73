# Wiretap::Wiretap: Wireshark's libwiretap, for -w's pcapng writer. Its
# headers need wireshark.h, which comes with wireshark.pc (libwireshark-dev);
# that file's libraries are the dissectors, so only its include flags are
# taken, and wiretap, wsutil and GLib linked. Included by the main build and
# the fuzz build alike.
find_package(PkgConfig REQUIRED)
pkg_check_modules(WIRESHARK REQUIRED wireshark)
pkg_check_modules(GLIB REQUIRED IMPORTED_TARGET glib-2.0)
find_library(WIRETAP_LIBRARY wiretap REQUIRED)
find_library(WSUTIL_LIBRARY wsutil REQUIRED)
if(NOT TARGET Wiretap::Wiretap)
  add_library(Wiretap::Wiretap INTERFACE IMPORTED)
  set_target_properties(Wiretap::Wiretap PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${WIRESHARK_INCLUDE_DIRS}"
    INTERFACE_LINK_LIBRARIES "${WIRETAP_LIBRARY};${WSUTIL_LIBRARY};PkgConfig::GLIB")
endif()
