# Capture (retailfuse/capture.h), included from lib/CMakeLists.txt: the part rf_capture is a
# small C++17 shim over libcamera with RF_WITH_LIBCAMERA (capture_libcamera.cpp), else a C file
# whose every function says libcamera is missing (capture_none.c). It uses nothing of the other
# parts: capture.h is its whole face.
if(RF_WITH_LIBCAMERA)
  rf_part(capture SOURCES capture/capture_libcamera.cpp)
  # rf_part's settings are C's; the same for C++: hidden symbols, inline functions included
  # (libcamera's templates stay inside libretailfuse), and exceptions kept (the shim catches
  # them at its C boundary).
  set_target_properties(rf_capture PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(rf_capture PRIVATE PkgConfig::LIBCAMERA)
else()
  rf_part(capture SOURCES capture/capture_none.c)
endif()
