# SPDX-License-Identifier: MIT
# KMSDNS_SANITIZE: ASan + UBSan on everything built here, aborting on the first report.
if(KMSDNS_SANITIZE)
  set(_kmsdns_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${_kmsdns_san})
  add_link_options(${_kmsdns_san})
endif()
