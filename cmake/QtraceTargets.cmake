# Settings shared by every target we write ourselves. Third-party code (the
# generated protobuf sources) does not get -Werror: a new protoc must not break
# our build with warnings in code we do not own.
function(qtrace_set_warnings target)
  # -Wno-restrict: GCC 12 reports false positives inside libstdc++ for
  # `"literal" + std::string` at -O2 (GCC bug 105329).
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-restrict)
  if(QTRACE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${QTRACE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${QTRACE_SANITIZE})
  endif()
endfunction()

# Installs a library's public headers, given relative to the calling folder,
# under include/qtrace/<subdir>/ with their sub-folders kept: the same
# "qtrace/<subdir>/..." paths the tree includes them by. Only the headers
# listed here ship; tests/integration/install_package.cmake checks that no
# installed header includes one that was left out.
function(qtrace_install_public_headers subdir)
  foreach(header ${ARGN})
    get_filename_component(folder "${header}" DIRECTORY)
    install(FILES "${CMAKE_CURRENT_SOURCE_DIR}/${header}"
            DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/qtrace/${subdir}/${folder}")
  endforeach()
endfunction()

# One of the engine's installed libraries, qtrace::<export_name> (target
# qtrace_<export_name>): our warnings, the generated include root in the build
# (where qtrace/sdk and qtrace/exporter resolve) and include/ once installed,
# and installed into the qtrace package's export set.
function(qtrace_engine_library target export_name)
  add_library(qtrace::${export_name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name} OUTPUT_NAME ${target})
  qtrace_set_warnings(${target})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/generated>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  install(TARGETS ${target} EXPORT qtraceTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endfunction()
