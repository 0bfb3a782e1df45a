# Installs the main build into a fresh prefix, builds standalone/ against it with
# find_package(sluice), and checks the result's output (check_output.cmake).
#   cmake -DBUILD_DIR=build -DSOURCE_DIR=. -DWORK_DIR=/tmp/x [-DCXX_COMPILER=..]
#         [-DEXTRA_FLAGS=-fsanitize=address] -P standalone_test.cmake
function(run_step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${name} failed (${status}):\n${out}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run_step(install ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
# The library's own headers (each part's detail/) are not installed: the
# public ones do not include them, which the build below shows for those it uses.
file(GLOB_RECURSE installed_headers RELATIVE ${prefix}/include ${prefix}/include/*.h)
list(FILTER installed_headers INCLUDE REGEX "detail")
if(installed_headers)
  message(FATAL_ERROR "internal headers installed: ${installed_headers}")
endif()
set(configure_args -S ${SOURCE_DIR}/examples/embed/standalone -B ${WORK_DIR}/build
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
if(CXX_COMPILER)
  list(APPEND configure_args -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
if(EXTRA_FLAGS)  # a sanitizer build's libraries need the same flags in the consumer
  list(APPEND configure_args "-DCMAKE_CXX_FLAGS=${EXTRA_FLAGS}"
       "-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}")
endif()
run_step(configure ${CMAKE_COMMAND} ${configure_args})
run_step(build ${CMAKE_COMMAND} --build ${WORK_DIR}/build -j 2)
set(EMBED_ETL ${WORK_DIR}/build/embed_etl)
set(CONFIG ${SOURCE_DIR}/examples/embed/etl.yaml)
include(${CMAKE_CURRENT_LIST_DIR}/check_output.cmake)
file(REMOVE_RECURSE ${WORK_DIR})
