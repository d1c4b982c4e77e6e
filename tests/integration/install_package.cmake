# Installs the engine from the current build into a scratch prefix and proves
# the package whole:
#   - every installed header includes only headers that were installed too,
#     and the internals (queue, record pool) are not among them;
#   - a project outside the tree (tests/integration/embedding_example) builds
#     with find_package(qtrace) and its targets alone;
#   - the same program builds with the flags of the installed qtrace.pc.
# integration.embedding_example then runs both programs against otlp-sink.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix"
                RESULT_VARIABLE rc OUTPUT_VARIABLE installed)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
set(prefix "${WORK_DIR}/prefix")

file(GLOB_RECURSE headers RELATIVE "${prefix}/include" "${prefix}/include/*.h")
list(LENGTH headers header_count)
foreach(internal qtrace/sdk/ring_buffer.h qtrace/sdk/span_record_pool.h qtrace/sdk/batch_span_processor.h
                 qtrace/exporter/otlp_encoder.h)
  if(internal IN_LIST headers)
    message(FATAL_ERROR "an internal header was installed: ${internal}")
  endif()
endforeach()
foreach(header ${headers})
  if(NOT header MATCHES "^qtrace/")
    message(FATAL_ERROR "installed outside include/qtrace/: ${header}")
  endif()
  file(STRINGS "${prefix}/include/${header}" includes REGEX "^#include \"")
  foreach(line ${includes})
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" included "${line}")
    # Abseil's headers come from its own package; anything else must be ours.
    if(NOT included MATCHES "^absl/" AND NOT EXISTS "${prefix}/include/${included}")
      message(FATAL_ERROR "${header} includes ${included}, which is not installed")
    endif()
  endforeach()
endforeach()
message(STATUS "installed headers: ${header_count}, each including only installed ones")

execute_process(COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/integration/embedding_example"
                        -B "${WORK_DIR}/example" "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the example against the package failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${WORK_DIR}/example" -j2 RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the example against the package failed: ${rc}")
endif()

# pkg-config: the flags alone, for builds without CMake.
file(GLOB pc_file "${prefix}/lib*/pkgconfig/qtrace.pc" "${prefix}/lib/*/pkgconfig/qtrace.pc")
if(NOT pc_file)
  message(FATAL_ERROR "qtrace.pc was not installed")
endif()
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
execute_process(COMMAND pkg-config --cflags --libs qtrace RESULT_VARIABLE rc OUTPUT_VARIABLE flags
                ERROR_VARIABLE pc_error OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs qtrace failed: ${pc_error}")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
execute_process(COMMAND c++ -O2 "${SOURCE_DIR}/tests/integration/embedding_example/main.cc"
                        -o "${WORK_DIR}/example/embedding_example_pkgconfig" ${flags}
                RESULT_VARIABLE rc ERROR_VARIABLE cc_error)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the example with pkg-config's flags failed:\n${cc_error}")
endif()
message(STATUS "built ${WORK_DIR}/example/embedding_example with CMake and with pkg-config")
