# CMake toolchain file for WALI modules (C only; static executables):
#   cmake -DCMAKE_TOOLCHAIN_FILE=<repo>/toolchain/wali.cmake -S src -B build
#   cmake --build build && wali-run build/prog
# Needs ./build.sh first (build/sysroot, build/bin/wali-run).
#
# No executable suffix: as for configure (EXEEXT is empty) and any Linux target, a
# program is named as its target. wali-run and a guest's execve know a module by its
# \0asm header, not its name, so scripts and tests that name `prog` work unchanged.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR wasm32)

get_filename_component(WALI_REPO "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(CMAKE_C_COMPILER "${WALI_REPO}/toolchain/wali-cc")
# The LLVM tools read and write wasm objects; the host's binutils do not.
find_program(CMAKE_AR NAMES llvm-ar-19 llvm-ar REQUIRED)
find_program(CMAKE_RANLIB NAMES llvm-ranlib-19 llvm-ranlib REQUIRED)
find_program(CMAKE_NM NAMES llvm-nm-19 llvm-nm)
find_program(CMAKE_STRIP NAMES llvm-strip-19 llvm-strip)
find_program(CMAKE_OBJDUMP NAMES llvm-objdump-19 llvm-objdump)
find_program(CMAKE_OBJCOPY NAMES llvm-objcopy-19 llvm-objcopy)
set(CMAKE_LINKER "${WALI_REPO}/toolchain/wali-ld")

# try_run, check_c_source_runs and ctest run target programs through wali-run
# ($WALI_RUN, as for toolchain/build.sh, names another one).
if(DEFINED ENV{WALI_RUN})
  set(CMAKE_CROSSCOMPILING_EMULATOR "$ENV{WALI_RUN}")
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR "${WALI_REPO}/build/bin/wali-run")
endif()

# Libraries, headers and packages come from the sysroot only; programs (code
# generators) from the host.
set(CMAKE_FIND_ROOT_PATH "${WALI_REPO}/build/sysroot")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# There is no dynamic linking: add_library(x SHARED) builds a static library (CMake
# warns), as wali-cc refuses -shared. Said in a rules file because CMake's Linux platform
# files, read after this one, say the opposite.
set(CMAKE_USER_MAKE_RULES_OVERRIDE_C "${WALI_REPO}/toolchain/wali-rules.cmake")

# try_compile links executables (the default): wali-cc links for real, so a check for a
# function that the libc lacks fails as it should. The check projects CMake makes
# inherit this file.
set(CMAKE_TRY_COMPILE_TARGET_TYPE EXECUTABLE)
