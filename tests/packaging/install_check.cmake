# Installs the build into a fresh DESTDIR with prefix /usr, as a package
# build would, and checks that the binary (which runs) and the man page
# (unchanged) are where GNUInstallDirs put them, and nothing else is.
#
# cmake -DBUILD_DIR=... -DDESTDIR=... -DBINDIR=bin -DMANDIR=share/man
#       -DMAN_PAGE=man/socket-tracer.8 -DVERSION=x.y.z -P install_check.cmake

file(REMOVE_RECURSE ${DESTDIR})
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env DESTDIR=${DESTDIR}
          ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix /usr
  RESULT_VARIABLE status)
if(status)
  message(FATAL_ERROR "cmake --install failed: ${status}")
endif()

set(binary ${DESTDIR}/usr/${BINDIR}/socket-tracer)
set(page ${DESTDIR}/usr/${MANDIR}/man8/socket-tracer.8)
file(GLOB_RECURSE installed RELATIVE ${DESTDIR} ${DESTDIR}/*)
list(SORT installed)
set(expected usr/${BINDIR}/socket-tracer usr/${MANDIR}/man8/socket-tracer.8)
list(SORT expected)
if(NOT installed STREQUAL expected)
  message(FATAL_ERROR "installed: ${installed}\nexpected: ${expected}")
endif()

execute_process(COMMAND ${binary} --version OUTPUT_VARIABLE version RESULT_VARIABLE status)
if(status OR NOT version STREQUAL "socket-tracer ${VERSION}\n")
  message(FATAL_ERROR "${binary} --version: exit ${status}, printed '${version}'")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${MAN_PAGE} ${page}
                RESULT_VARIABLE status)
if(status)
  message(FATAL_ERROR "${page} differs from ${MAN_PAGE}")
endif()
message(STATUS "installed ${binary} and ${page}")
