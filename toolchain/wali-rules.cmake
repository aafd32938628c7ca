# Read by CMake after its platform files (wali.cmake names it as
# CMAKE_USER_MAKE_RULES_OVERRIDE_C): WALI modules have no dynamic linking.
set_property(GLOBAL PROPERTY TARGET_SUPPORTS_SHARED_LIBS FALSE)
