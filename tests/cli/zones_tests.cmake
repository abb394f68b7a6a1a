# retailfuse zones: hand records from a Y4M file made by the test (tests/cli/zones.sh).
add_test(NAME cli_zones
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/zones.sh $<TARGET_FILE:retailfuse_cli>
          ${CMAKE_CURRENT_BINARY_DIR}/zones)
# End to end: rendered video -> zones -> the scenario with the found hands -> run.
add_test(NAME cli_render_zones_run
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/render_zones_run.sh $<TARGET_FILE:retailfuse_cli>
          ${CMAKE_CURRENT_BINARY_DIR}/render_zones_run)
