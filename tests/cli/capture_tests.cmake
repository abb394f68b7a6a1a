# retailfuse cameras: the cameras libcamera sees, one "<id>\t<model>" line each, or "no cameras
# found" (this machine has none); built without libcamera, a message and exit status 1. The
# output is the command's alone: libcamera's own log lines are kept off stderr unless the user
# asks for them through LIBCAMERA_LOG_LEVELS.
rf_cli_test(cameras_help ARGS cameras --help EXIT 0
  STDOUT "^usage: retailfuse cameras\n.*'no cameras found'.*exit status 1" REJECT_STDERR ".")
rf_cli_test(cameras_bad_argument ARGS cameras --bogus EXIT 2
  STDERR "^retailfuse: cameras: unknown argument '--bogus' \\(try 'retailfuse --help'\\)\n$")
if(RF_WITH_LIBCAMERA)
  rf_cli_test(cameras ARGS cameras EXIT 0
    STDOUT "^(no cameras found\n|([^\t\n]+\t[^\n]*\n)+)$" REJECT_STDERR ".")
  set_tests_properties(cli_cameras PROPERTIES ENVIRONMENT_MODIFICATION LIBCAMERA_LOG_LEVELS=unset:)
  # The user's levels are theirs: libcamera's INFO line about itself comes through.
  rf_cli_test(cameras_user_log_levels ARGS cameras EXIT 0 STDERR "INFO.*libcamera v")
  set_tests_properties(cli_cameras_user_log_levels PROPERTIES
    ENVIRONMENT "LIBCAMERA_LOG_LEVELS=*:INFO;LIBCAMERA_LOG_NO_COLOR=1")
else()
  rf_cli_test(cameras ARGS cameras EXIT 1
    STDERR "^retailfuse: cameras: retailfuse was built without libcamera\n$")
endif()
