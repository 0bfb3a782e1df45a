# Runs embed_etl and checks what it prints. Shared by the in-tree and the find_package test.
#   cmake -DEMBED_ETL=path/to/embed_etl [-DCONFIG=examples/embed/etl.yaml] -P check_output.cmake
execute_process(COMMAND ${EMBED_ETL} ${CONFIG}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "embed_etl exited with ${status}")
endif()
set(expected
  "yaml pipeline: read 6, results 4, errors 2 \\(balanced\\)"
  "code pipeline: read 2, results 2, errors 0 \\(balanced\\)"
  # the custom stage ran: users are 16 hex digits, other fields untouched
  "result: {\"user\":\"[0-9a-f]+\",\"bytes\":512,\"event\":\"view\"}"
  # bad input became error items, each from the stage that refused it
  "error:  embed:3: check: out_of_range: field 'bytes': -1 is below min 0"
  "error:  embed:4: parse: invalid_input: ")
foreach(pattern IN LISTS expected)
  if(NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "embed_etl output lacks: ${pattern}")
  endif()
endforeach()
