# DRAMSys looks for SystemC with find_package(SystemCLanguage) and links
# SystemC::systemc; Debian's libsystemc-dev ships only a pkg-config file.
# This package file answers with the pkg-config target ssmsim already uses,
# so DRAMSys and ssmsim link the one SystemC kernel.
find_package(PkgConfig REQUIRED)
if(NOT TARGET PkgConfig::SYSTEMC)
  pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET GLOBAL systemc>=2.3.4)
endif()
if(NOT TARGET SystemC::systemc)
  add_library(SystemC::systemc INTERFACE IMPORTED GLOBAL)
  target_link_libraries(SystemC::systemc INTERFACE PkgConfig::SYSTEMC)
endif()
set(SystemCLanguage_VERSION ${SYSTEMC_VERSION})
set(SystemCLanguage_FOUND TRUE)
