# A command's --help: that it answers, and that its options and its parser agree.
#   -DCMD=retailfuse -DCOMMAND=run -DSOURCE=tools/cmd_run.c "-DOPTIONS=-o|--output|--method|..."
# Checks:
#  1. `retailfuse COMMAND --help` exits 0 with nothing on stderr, and its standard output starts
#     with "usage: retailfuse COMMAND"; `-h`, `--help` after other arguments, and
#     `retailfuse help COMMAND` print the same;
#  2. each of OPTIONS (every option the parser takes, written out by hand) has its line in the
#     help's option list;
#  3. every option the command's source names as a whole string literal ("--journal") has its
#     line too: an option added to the parser without its help fails here;
#  4. every option the help lists is known to the parser (it is not an "unknown" option).
string(REPLACE "|" ";" options "${OPTIONS}")

function(run_help out_var)
  execute_process(COMMAND ${CMD} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc STREQUAL "0" OR NOT err STREQUAL "")
    message(FATAL_ERROR "${CMD} ${ARGN}: exit ${rc}, stderr:\n${err}\nstdout:\n${out}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

run_help(help ${COMMAND} --help)
string(FIND "${help}" "usage: retailfuse ${COMMAND}" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "'${COMMAND} --help' does not start with 'usage: retailfuse ${COMMAND}':\n${help}")
endif()
foreach(args "${COMMAND};-h" "${COMMAND};x;--help" "${COMMAND};--bogus;-h;y" "help;${COMMAND}")
  run_help(again ${args})
  if(NOT again STREQUAL help)
    message(FATAL_ERROR "'${args}' does not print what '${COMMAND} --help' does:\n${again}")
  endif()
endforeach()

# The option list: from "options:" to the next blank line.
string(FIND "${help}" "\noptions:\n" start)
if(start LESS 0)
  message(FATAL_ERROR "no 'options:' in the help of ${COMMAND}:\n${help}")
endif()
string(SUBSTRING "${help}" ${start} -1 list)
string(FIND "${list}" "\n\n" stop)
if(stop GREATER 0)
  string(SUBSTRING "${list}" 0 ${stop} list)
endif()
set(list "${list}\n")

# (Options are letters, digits and dashes: nothing to quote in a regular expression.)
function(check_documented option why)
  if(NOT list MATCHES "\n  (-[a-zA-Z], )?${option}[ \n]" AND NOT list MATCHES "\n  ${option}, ")
    message(FATAL_ERROR "${COMMAND}: ${option} (${why}) has no line in the help's options:\n${list}")
  endif()
endfunction()

foreach(option IN LISTS options)
  check_documented("${option}" "the parser takes it")
endforeach()

file(READ "${SOURCE}" source)
string(REGEX MATCHALL "\"--?[a-zA-Z][a-zA-Z0-9-]*\"" literals "${source}")
list(REMOVE_DUPLICATES literals)
foreach(literal IN LISTS literals)
  string(REPLACE "\"" "" option "${literal}")
  check_documented("${option}" "named in ${SOURCE}")
endforeach()

# Every option listed: given (with a value when it takes one) and followed by an option nobody
# has, the parser must not call it unknown — it stops at the other one, or at what is missing.
string(REGEX MATCHALL "\n  [^\n]+" lines "${list}")
foreach(line IN LISTS lines)
  if(NOT line MATCHES "^\n  (-[a-zA-Z], )?(--?[a-zA-Z][a-zA-Z0-9-]*)( [^ ]+)?")
    continue()
  endif()
  set(option "${CMAKE_MATCH_2}")
  if(option STREQUAL "--help")
    continue()
  endif()
  set(args ${COMMAND} ${option})
  if(CMAKE_MATCH_3)
    list(APPEND args 1)
  endif()
  list(APPEND args --no-such-option-anywhere)
  execute_process(COMMAND ${CMD} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
    TIMEOUT 20)
  if(err MATCHES "unknown[^\n]*'${option}'" OR NOT (rc STREQUAL "0" OR rc STREQUAL "2"))
    message(FATAL_ERROR "${COMMAND} does not take the option its help lists, ${option}: "
      "'${args}' exit ${rc}:\n${err}")
  endif()
endforeach()
