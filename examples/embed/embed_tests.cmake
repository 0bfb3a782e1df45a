# ctest tests of the embedding example (label embed). Included from
# tests/golden/CMakeLists.txt: add_test needs enable_testing(), which the top level calls
# after add_subdirectory(examples).
if(NOT TARGET embed_etl)
  return()
endif()
set(embed_dir ${PROJECT_SOURCE_DIR}/examples/embed)

add_test(NAME embed.in_tree
  COMMAND ${CMAKE_COMMAND} -DEMBED_ETL=$<TARGET_FILE:embed_etl> -DCONFIG=${embed_dir}/etl.yaml
          -P ${embed_dir}/check_output.cmake)
# Without an argument it finds its etl.yaml from any working directory (the build's here).
add_test(NAME embed.default_config
  COMMAND ${CMAKE_COMMAND} -DEMBED_ETL=$<TARGET_FILE:embed_etl> -P ${embed_dir}/check_output.cmake)

set(embed_flags "")
if(SLUICE_SANITIZE)
  set(embed_flags "-fsanitize=${SLUICE_SANITIZE}")
endif()
if(NOT SLUICE_INSTALL)  # nothing to find_package: only the in-tree build is tested
  set_tests_properties(embed.in_tree embed.default_config PROPERTIES LABELS embed)
  return()
endif()
add_test(NAME embed.find_package
  COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${PROJECT_BINARY_DIR} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
          -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/embed_standalone
          -DCXX_COMPILER=${CMAKE_CXX_COMPILER} "-DEXTRA_FLAGS=${embed_flags}"
          -P ${embed_dir}/standalone_test.cmake)
set_tests_properties(embed.in_tree embed.default_config embed.find_package PROPERTIES LABELS embed)
set_tests_properties(embed.find_package PROPERTIES TIMEOUT 600)
