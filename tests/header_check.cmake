# Every public header must compile alone, as C and as C++, with strict warnings: a header that
# leans on an include it does not make, or on C-only syntax, fails here.
file(GLOB rf_public_headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/retailfuse/*.h)
find_program(RF_CXX_COMPILER NAMES c++ g++ clang++)
foreach(header IN LISTS rf_public_headers)
  get_filename_component(name ${header} NAME_WE)
  set(src ${CMAKE_CURRENT_BINARY_DIR}/header_check/${name}.c)
  file(WRITE ${src} "#include <retailfuse/${name}.h>\n#include <retailfuse/${name}.h>\nint main(void) { return 0; }\n")
  add_test(NAME header_${name}_c
    COMMAND ${CMAKE_C_COMPILER} -std=c11 -Wall -Wextra -pedantic -Werror -fsyntax-only
            -I${PROJECT_SOURCE_DIR}/include -x c ${src})
  if(RF_CXX_COMPILER)
    add_test(NAME header_${name}_cxx
      COMMAND ${RF_CXX_COMPILER} -std=c++11 -Wall -Wextra -pedantic -Werror -fsyntax-only
              -I${PROJECT_SOURCE_DIR}/include -x c++ ${src})
  else()
    message(SEND_ERROR "no C++ compiler found: the public headers must be checked as C++ too")
  endif()
endforeach()
