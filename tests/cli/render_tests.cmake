# retailfuse sim --render: the simulator films its store (tests/cli/render.sh), and its refusals.
add_test(NAME cli_sim_render
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/render.sh $<TARGET_FILE:retailfuse_cli>
          ${CMAKE_CURRENT_BINARY_DIR}/sim_render)
rf_cli_test(sim_render_no_dir ARGS sim --preset easy --render EXIT 2
  STDERR "sim: --render needs a directory")
rf_cli_test(sim_video_without_render ARGS sim --preset easy --out x --video 160x120 EXIT 2
  STDERR "sim: --video, --fps and --video-set go with --render DIR")
rf_cli_test(sim_video_bad_size ARGS sim --preset easy --render x --video 16x120 EXIT 2
  STDERR "sim: --video needs WIDTHxHEIGHT, each 32 to 8192, got '16x120'")
rf_cli_test(sim_video_bad_fps ARGS sim --preset easy --render x --fps 30:0 EXIT 2
  STDERR "sim: --fps needs NUM\\[:DEN\\], at most 1000 frames a second, got '30:0'")
rf_cli_test(sim_video_unknown_option ARGS sim --preset easy --render x --video-set glare=1 EXIT 2
  STDERR "sim: --video-set needs NAME=VALUE, NAME one of noise_sd, flicker, drift")
# Refused by the renderer before anything is written: 40 rows cannot hold six shelves.
rf_cli_test(sim_video_too_small ARGS sim --preset easy --render ${CMAKE_CURRENT_BINARY_DIR}/sim_render_small --video 160x40 EXIT 1
  STDERR "sim: cannot render: the image is too small for a gondola's shelves")
rf_cli_test(sim_video_option_range ARGS sim --preset easy --render ${CMAKE_CURRENT_BINARY_DIR}/sim_render_range --video-set flicker=0.5 EXIT 1
  STDERR "sim: cannot render: a video option is out of range")
