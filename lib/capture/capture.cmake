# Being written (issue 18): the libcamera shim behind RF_WITH_LIBCAMERA.
