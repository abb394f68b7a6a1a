# Installing: headers, both libraries, a CMake package (find_package(retailfuse) gives
# retailfuse::retailfuse and retailfuse::retailfuse_static) and a pkg-config file.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/retailfuse
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

install(TARGETS retailfuse retailfuse_static
  EXPORT retailfuseTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(RF_BUILD_TOOLS)
  install(TARGETS retailfuse_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT retailfuseTargets
  NAMESPACE retailfuse::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/retailfuse)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/retailfuseConfig.cmake.in
  ${PROJECT_BINARY_DIR}/retailfuseConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/retailfuse)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/retailfuseConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/retailfuseConfig.cmake
  ${PROJECT_BINARY_DIR}/retailfuseConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/retailfuse)

# The .pc file finds its prefix relative to itself, so an installed tree can be moved.
file(RELATIVE_PATH RF_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" RF_PC_TO_PREFIX "${RF_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/retailfuse.pc.in
  ${PROJECT_BINARY_DIR}/retailfuse.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/retailfuse.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
