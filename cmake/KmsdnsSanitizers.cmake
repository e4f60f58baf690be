# SPDX-License-Identifier: MIT
# KMSDNS_SANITIZE: ASan + UBSan on everything built here, aborting on the first report.
if(KMSDNS_SANITIZE)
  set(_kmsdns_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${_kmsdns_san})
  add_link_options(${_kmsdns_san})
endif()
# KMSDNS_FUZZ: coverage instrumentation for libFuzzer on everything (clang only).
if(KMSDNS_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KMSDNS_FUZZ needs clang: configure with CC=clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
