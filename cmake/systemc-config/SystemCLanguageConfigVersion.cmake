# Version check for the SystemCLanguage package above (pkg-config's version).
find_package(PkgConfig REQUIRED)
pkg_get_variable(_ssmsim_systemc_prefix systemc prefix)
execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --modversion systemc
                OUTPUT_VARIABLE PACKAGE_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE)
if(PACKAGE_FIND_VERSION AND PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
endif()
